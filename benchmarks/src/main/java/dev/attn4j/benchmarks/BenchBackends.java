package dev.attn4j.benchmarks;

import dev.attn4j.api.Backends;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;

/** Backend names as the benchmarks' {@code @Param}s spell them: a provider name, or {@code NAME-bf16} for its bf16 precision. */
final class BenchBackends {
  private BenchBackends() {}

  static Backend open(String param, int threads) {
    BackendOptions options = BackendOptions.defaults().withThreads(threads);
    if (param.endsWith("-bf16")) {
      String name = param.substring(0, param.length() - "-bf16".length());
      return Backends.open(name, options.with(name + ".precision", "bf16"));
    }
    return Backends.open(param, options);
  }
}
