/**
 * BERT-family encoders (BERT, MiniLM, the RoBERTa family and other checkpoints of the same shape) loaded from a
 * Hugging Face folder: safetensors weights, WordPiece or byte-level BPE tokenizer, encoder and pooler on any attn4j backend, task heads and
 * sentence embeddings. Depends on the API only, never on a specific backend.
 */
module dev.attn4j.models {
  requires transitive dev.attn4j.api;
  requires com.fasterxml.jackson.databind;

  exports dev.attn4j.models;
  exports dev.attn4j.models.safetensors;
  exports dev.attn4j.models.tokenizer;
  exports dev.attn4j.models.heads;
  exports dev.attn4j.models.onnx;
}
