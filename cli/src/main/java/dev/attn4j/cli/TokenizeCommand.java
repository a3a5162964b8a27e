package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.tokenizer.Token;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code attn4j tokenize}: WordPiece tokens, ids, type ids and character offsets of texts. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Show how the model's tokenizer splits texts.")
final class TokenizeCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin InputOptions in;
  @Mixin DebugOption debug;

  @Option(names = "--json", description = "One JSON object per input line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (BertModel m = model.load()) {
      Iterator<Item> items = in.items(m, model.maxLength(m));
      try (JsonGenerator g = json ? JsonOut.open(null) : null) {
        while (items.hasNext()) {
          Item it = items.next();
          if (json) {
            g.writeStartObject();
            g.writeArrayFieldStart("tokens");
            for (String t : it.tokens()) {
              g.writeString(t);
            }
            g.writeEndArray();
            g.writeFieldName("input_ids");
            g.writeArray(it.ids(), 0, it.length());
            g.writeFieldName("token_type_ids");
            g.writeArray(it.typeIds(), 0, it.length());
            g.writeFieldName("attention_mask");
            g.writeArray(it.mask(), 0, it.length());
            if (it.encoding() != null) {
              g.writeArrayFieldStart("offsets");
              for (Token t : it.encoding().tokens()) {
                g.writeArray(new int[] {t.start(), t.end()}, 0, 2);
              }
              g.writeEndArray();
              g.writeBooleanField("truncated", it.encoding().truncated());
            }
            g.writeEndObject();
            g.writeRaw('\n');
            g.flush();
          } else {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < it.length(); j++) {
              sb.append(j == 0 ? "" : " ").append(it.tokens().get(j)).append('/').append(it.ids()[j]);
            }
            System.out.println(sb);
          }
        }
      }
    }
    return 0;
  }
}
