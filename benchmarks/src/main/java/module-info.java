/**
 * JMH benchmarks of attn4j's backends. Built into a shaded {@code benchmarks/target/benchmarks.jar} that runs
 * on the class path; this descriptor keeps the module graph explicit at compile time.
 */
module dev.attn4j.benchmarks {
  requires dev.attn4j.api;
  requires dev.attn4j.models;
  requires jmh.core;
  requires java.management;
  requires jdk.incubator.vector;

  opens dev.attn4j.benchmarks;
  opens dev.attn4j.benchmarks.jmh_generated;
}
