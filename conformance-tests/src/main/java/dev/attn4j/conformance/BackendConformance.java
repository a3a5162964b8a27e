package dev.attn4j.conformance;

import dev.attn4j.conformance.ConformanceSuite.Group;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite as a JUnit 5 test class: a backend's build extends it in one line and gets every case.
 *
 * <pre>{@code
 * class MyBackendConformanceTest extends BackendConformance {
 *   MyBackendConformanceTest() { super("mybackend"); }
 * }
 * }</pre>
 *
 * <p>The backend is opened once before the cases and closed after them. A backend that reports itself unavailable
 * fails the class, unless the system property {@value #SKIP_UNAVAILABLE} is {@code true}: then the class is skipped
 * and the reason printed, for machines that lack a native library. The golden checkpoints travel inside this jar;
 * set {@code -Dattn4j.refs=DIR} to run the larger real checkpoints as well.
 *
 * <p>Override {@link #options()} for backend properties and {@link #precision()} for a reduced-precision mode;
 * {@link #opened(Backend)} may check that the backend runs the configuration meant.
 *
 * <p>One instance per test class (JUnit's per-class lifecycle) holds the opened backend; its cases run one at a
 * time. Not thread-safe: do not run its dynamic tests concurrently.
 *
 * <p>Stability: stable since 0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class BackendConformance {
  /** System property: {@code true} skips (and prints) a backend that is unavailable here instead of failing. */
  public static final String SKIP_UNAVAILABLE = "attn4j.conformance.skipUnavailable";

  private final String name;
  private final BackendProvider provider;
  private ConformanceSuite.Session session;

  /** The provider named {@code backendName}, found with {@link java.util.ServiceLoader} on the test class path. */
  protected BackendConformance(String backendName) {
    this.name = Objects.requireNonNull(backendName, "backendName");
    this.provider = null;
  }

  /** This provider instance, without discovery. */
  protected BackendConformance(BackendProvider provider) {
    this.provider = Objects.requireNonNull(provider, "provider");
    this.name = provider.name();
  }

  /** Options to create the backend with; two threads by default. */
  protected BackendOptions options() {
    return BackendOptions.defaults().withThreads(2);
  }

  /** The tolerances the backend is held to; float32 by default. */
  protected PrecisionClass precision() {
    return PrecisionClass.F32;
  }

  /** Called with the opened backend before any case; throw to stop if it is not the configuration meant. */
  protected void opened(Backend backend) {}

  @BeforeAll
  public final void openBackend() {
    ConformanceSuite suite = (provider != null ? ConformanceSuite.of(provider) : ConformanceSuite.named(name, getClass().getClassLoader()))
        .withOptions(options()).withPrecision(precision());
    var availability = suite.provider().availability();
    if (!availability.available()) {
      String why = "backend '" + name + "' is unavailable: " + availability.detail();
      if (Boolean.getBoolean(SKIP_UNAVAILABLE)) {
        System.out.println("[attn4j conformance] SKIPPED all cases of " + suite.label() + ": " + why + " (-D" + SKIP_UNAVAILABLE + "=true)");
        Assumptions.abort(why);
      }
      throw new IllegalStateException(why + ". Install what it names, or set -D" + SKIP_UNAVAILABLE + "=true to skip it on this machine.");
    }
    session = suite.open();
    opened(session.backend());
  }

  @AfterAll
  public final void closeBackend() {
    if (session != null) {
      session.close();
    }
  }

  /** Every SPI kernel against the float64 oracle. */
  @TestFactory
  @Order(2)
  public final Stream<DynamicNode> kernels() {
    return session.nodes(Group.KERNELS).stream();
  }

  /** Attention, encoder layers and stacks. */
  @TestFactory
  @Order(3)
  public final Stream<DynamicNode> layers() {
    return session.nodes(Group.LAYERS).stream();
  }

  /** BERT checkpoints against their goldens. */
  @TestFactory
  @Order(4)
  public final Stream<DynamicNode> models() {
    return session.nodes(Group.MODELS).stream();
  }

  /** Bit-identical repeats, cold against warm; one thread against several, reported. First, while the kernels are still cold. */
  @TestFactory
  @Order(1)
  public final Stream<DynamicNode> determinism() {
    return session.nodes(Group.DETERMINISM).stream();
  }
}
