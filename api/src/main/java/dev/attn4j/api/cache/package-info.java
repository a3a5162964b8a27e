/** attn4j's per-user cache of derived files, published atomically under content-hash keys. */
package dev.attn4j.api.cache;
