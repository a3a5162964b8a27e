/** The attn4j command-line tool. Backends are bound through the api module's ServiceLoader use. */
module dev.attn4j.cli {
  requires dev.attn4j.api;
  requires dev.attn4j.models;
  requires dev.attn4j.conformance;
  // The conformance cases are JUnit dynamic tests; the jar is an automatic module, so its JUnit API is resolved here.
  requires org.junit.jupiter.api;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires me.tongfei.progressbar;
  // bench: the FMA peak yardstick, and ONNX Runtime for --vs onnxruntime.
  requires jdk.incubator.vector;
  requires com.microsoft.onnxruntime;
  // encode --timing: time since JVM start.
  requires java.management;

  opens dev.attn4j.cli to info.picocli;
}
