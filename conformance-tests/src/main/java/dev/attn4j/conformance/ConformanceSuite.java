package dev.attn4j.conformance;

import dev.attn4j.api.BackendRegistry;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.DynamicNode;

/**
 * What to check and on which backend: a provider, the options to create it with, the {@link PrecisionClass} whose
 * {@link Tolerances} apply, and the case groups to run. {@link #open()} creates the backend and builds the cases as
 * JUnit dynamic nodes, which {@link BackendConformance} hands to JUnit and {@link ConformanceRunner} runs without it.
 * Immutable and thread-safe; the {@link Session} it opens is not.
 *
 * <p>Stability: stable since 0.1 (cases are added over time).
 */
public final class ConformanceSuite {
  /** A family of cases, in the order they run (determinism first, while the backend's code is still cold). */
  public enum Group {
    /** Bit-identical repeats and cold against warm (JIT tiers); one thread against several, reported. */
    DETERMINISM,
    /** Every SPI kernel against the float64 oracle. */
    KERNELS,
    /** Multi-head attention, encoder layers and stacks against the float64 layer oracle. */
    LAYERS,
    /** BERT forward passes and task heads against golden outputs computed outside attn4j. */
    MODELS
  }

  private final BackendProvider provider;
  private final BackendOptions options;
  private final PrecisionClass precision;
  private final Set<Group> groups;

  private ConformanceSuite(BackendProvider provider, BackendOptions options, PrecisionClass precision, Set<Group> groups) {
    this.provider = Objects.requireNonNull(provider, "provider");
    this.options = Objects.requireNonNull(options, "options");
    this.precision = Objects.requireNonNull(precision, "precision");
    this.groups = Set.copyOf(groups);
  }

  /** Every group on {@code provider} with default options (two threads) and float32 tolerances. */
  public static ConformanceSuite of(BackendProvider provider) {
    return new ConformanceSuite(provider, BackendOptions.defaults().withThreads(2), PrecisionClass.F32, EnumSet.allOf(Group.class));
  }

  /**
   * The provider named {@code name} among those {@link java.util.ServiceLoader} finds with {@code loader}.
   *
   * @throws IllegalArgumentException if there is no such provider (the message lists the ones found)
   */
  public static ConformanceSuite named(String name, ClassLoader loader) {
    BackendRegistry registry = BackendRegistry.load(loader);
    return of(registry.providers().stream().filter(p -> p.name().equalsIgnoreCase(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no backend provider named '" + name + "' on the class path; found "
            + registry.providers().stream().map(BackendProvider::name).toList())));
  }

  /** A copy that creates the backend with {@code options}. */
  public ConformanceSuite withOptions(BackendOptions options) {
    return new ConformanceSuite(provider, options, precision, groups);
  }

  /** A copy held to the tolerances of {@code precision}. */
  public ConformanceSuite withPrecision(PrecisionClass precision) {
    return new ConformanceSuite(provider, options, precision, groups);
  }

  /** A copy running only {@code groups}. */
  public ConformanceSuite withGroups(Set<Group> groups) {
    return new ConformanceSuite(provider, options, precision, groups.isEmpty() ? EnumSet.noneOf(Group.class) : EnumSet.copyOf(groups));
  }

  public BackendProvider provider() {
    return provider;
  }

  public BackendOptions options() {
    return options;
  }

  public PrecisionClass precision() {
    return precision;
  }

  public Set<Group> groups() {
    return groups;
  }

  /** A label for reports: the provider's name, with the options when any are set. */
  public String label() {
    String props = options.properties().isEmpty() ? "" : options.properties().toString();
    return provider.name() + props + (precision == PrecisionClass.F32 ? "" : " (" + precision + ")");
  }

  /**
   * Creates the backend and the cases. The caller closes the session, which closes the backend and every resource
   * the cases hold.
   *
   * @throws IllegalStateException if the provider reports itself unavailable (the message carries its reason)
   */
  public Session open() {
    var availability = provider.availability();
    if (!availability.available()) {
      throw new IllegalStateException("backend '" + provider.name() + "' is unavailable: " + availability.detail());
    }
    return new Session(this, provider.create(options));
  }

  /** An opened backend and the cases built on it. Not thread-safe: run its cases one at a time. */
  public static final class Session implements AutoCloseable {
    private final ConformanceSuite suite;
    private final Backend backend;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private ReferenceData refs;

    private Session(ConformanceSuite suite, Backend backend) {
      this.suite = suite;
      this.backend = backend;
    }

    /** The backend under test. */
    public Backend backend() {
      return backend;
    }

    /** The cases of {@code group}, or none when the suite does not run it. */
    public List<DynamicNode> nodes(Group group) {
      if (!suite.groups.contains(group)) {
        return List.of();
      }
      Tolerances tol = Tolerances.of(suite.precision);
      return switch (group) {
        case KERNELS -> {
          List<DynamicNode> kernels = new ArrayList<>(new KernelCases(backend, tol).nodes());
          kernels.addAll(new LifecycleCases(suite.provider, suite.options).nodes());
          yield kernels;
        }
        case LAYERS -> own(new LayerCases(backend, tol)).nodes();
        case MODELS -> own(new ModelCases(backend, tol, references())).nodes();
        case DETERMINISM -> new DeterminismCases(backend, suite.provider, suite.options).nodes();
      };
    }

    private ReferenceData references() {
      if (refs == null) {
        refs = ReferenceData.open();
      }
      return refs;
    }

    private <T extends AutoCloseable> T own(T resource) {
      resources.add(resource);
      return resource;
    }

    @Override
    public void close() {
      RuntimeException failure = null;
      for (AutoCloseable r : resources.reversed()) {
        try {
          r.close();
        } catch (Exception e) {
          failure = failure == null ? new IllegalStateException("closing conformance resources failed", e) : failure;
        }
      }
      resources.clear();
      if (refs != null) {
        refs.close();
      }
      backend.close();
      if (failure != null) {
        throw failure;
      }
    }
  }
}
