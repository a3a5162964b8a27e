package dev.attn4j.cli;

import dev.attn4j.models.BertConfig;
import dev.attn4j.models.onnx.OnnxImport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attn4j convert}: an ONNX BERT export to a Hugging Face folder (config.json, model.safetensors, tokenizer files). */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = "Convert an ONNX BERT-family export into a Hugging Face folder (config.json, model.safetensors, vocab.txt, tokenizer.json).")
final class ConvertCommand implements Callable<Integer> {
  @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX export (weights in it or in external-data files beside it).")
  Path onnx;

  @Option(names = "--tokenizer", paramLabel = "FILE", description = "Its WordPiece tokenizer.json (default: tokenizer.json or <name>-tokenizer.json beside it).")
  Path tokenizer;

  @Option(names = "--config", paramLabel = "FILE", description = "A config.json to use instead of deriving one from the graph (must agree with the weights).")
  Path config;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (absent or empty).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path tok = tokenizer != null ? tokenizer : ModelSource.siblingTokenizer(onnx);
    Path dir = OnnxImport.convert(onnx, tok, config, out);
    BertConfig c = BertConfig.read(dir.resolve("config.json"));
    System.out.printf("%s: %d layers, hidden %d, %d heads, FFN %d, vocab %d, %d positions -> %s%n", onnx.getFileName(), c.layers(), c.hiddenSize(),
        c.heads(), c.intermediateSize(), c.vocabSize(), c.maxPositions(), dir);
    return 0;
  }
}
