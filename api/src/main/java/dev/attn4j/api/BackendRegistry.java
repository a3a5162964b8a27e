package dev.attn4j.api;

import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A fixed set of {@link BackendProvider}s and the selection rules over them. {@link Backends} is the
 * registry of everything {@link ServiceLoader} finds; build others with {@link #of} (for tests) or
 * {@link #load(ClassLoader)} (for backends in extra jars).
 *
 * <p>Selection precedence, everywhere: a name given explicitly; else the system property
 * {@value #PROPERTY}; else the environment variable {@value #ENVIRONMENT}; else the available provider with
 * the highest priority. An unknown or unavailable name fails with a message listing every provider and,
 * for each unavailable one, why.
 *
 * <p>Immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public final class BackendRegistry {
  /** System property naming the default backend. */
  public static final String PROPERTY = "attn4j.backend";
  /** Environment variable naming the default backend (the system property wins). */
  public static final String ENVIRONMENT = "ATTN4J_BACKEND";

  private final List<BackendProvider> providers;

  private BackendRegistry(List<BackendProvider> providers) {
    List<BackendProvider> sorted = new ArrayList<>(providers);
    sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
    for (int i = 1; i < sorted.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (sorted.get(i).name().equals(sorted.get(j).name())) {
          throw new IllegalStateException("two backend providers are named '" + sorted.get(i).name() + "': "
              + sorted.get(j).getClass().getName() + " and " + sorted.get(i).getClass().getName());
        }
      }
    }
    this.providers = List.copyOf(sorted);
  }

  /** A registry over exactly these providers. */
  public static BackendRegistry of(List<BackendProvider> providers) {
    return new BackendRegistry(providers);
  }

  /** A registry over the providers {@link ServiceLoader} finds through {@code loader}. */
  public static BackendRegistry load(ClassLoader loader) {
    List<BackendProvider> found = new ArrayList<>();
    ServiceLoader.load(BackendProvider.class, loader).forEach(found::add);
    return new BackendRegistry(found);
  }

  /** Every provider, highest priority first. */
  public List<BackendProvider> providers() {
    return providers;
  }

  /** The providers that are available here, highest priority first. */
  public List<BackendProvider> available() {
    return providers.stream().filter(p -> p.availability().available()).toList();
  }

  /** The provider with this name (case-insensitive), whether available or not. */
  public Optional<BackendProvider> find(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    return providers.stream().filter(p -> p.name().equalsIgnoreCase(n)).findFirst();
  }

  /**
   * Opens the named backend.
   *
   * @throws BackendUnavailableException if no provider has that name or it is unavailable
   */
  public Backend open(String name, BackendOptions options) {
    BackendProvider p = find(name).orElseThrow(() -> new BackendUnavailableException("unknown backend '" + name + "'. " + report()));
    Availability a = p.availability();
    if (!a.available()) {
      throw new BackendUnavailableException("backend '" + p.name() + "' is unavailable: " + a.detail() + ". " + report());
    }
    return p.create(options);
  }

  /**
   * Opens the available backend with the highest priority.
   *
   * @throws BackendUnavailableException if none is available
   */
  public Backend best(BackendOptions options) {
    List<BackendProvider> av = available();
    if (av.isEmpty()) {
      throw new BackendUnavailableException("no attn4j backend is available. " + report());
    }
    return av.get(0).create(options);
  }

  /** The backend named by the system property or environment variable, else {@link #best}. */
  public Backend openDefault(BackendOptions options) {
    Optional<String> chosen = defaultName();
    return chosen.isPresent() ? open(chosen.get(), options) : best(options);
  }

  /** The name set by {@value #PROPERTY} or {@value #ENVIRONMENT}, if any. */
  public static Optional<String> defaultName() {
    String p = System.getProperty(PROPERTY);
    if (p != null && !p.isBlank()) {
      return Optional.of(p.trim());
    }
    String e = System.getenv(ENVIRONMENT);
    return e != null && !e.isBlank() ? Optional.of(e.trim()) : Optional.empty();
  }

  /** One line per provider: name, priority, and what was found or why it is unavailable. */
  public String report() {
    if (providers.isEmpty()) {
      return "No backend providers were found on the class path or module path (add attn4j-backend-java, for example).";
    }
    StringBuilder sb = new StringBuilder("Backends found:");
    for (BackendProvider p : providers) {
      Availability a = p.availability();
      sb.append("\n  ").append(p.name()).append(" (priority ").append(p.priority()).append("): ")
          .append(a.available() ? "available, " : "UNAVAILABLE, ").append(a.detail());
    }
    return sb.toString();
  }
}
