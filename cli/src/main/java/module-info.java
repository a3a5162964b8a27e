/** The attn4j command-line tool. Backends are bound through the api module's ServiceLoader use. */
module dev.attn4j.cli {
  requires dev.attn4j.api;
  requires dev.attn4j.models;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires me.tongfei.progressbar;

  opens dev.attn4j.cli to info.picocli;
}
