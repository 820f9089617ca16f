/**
 * Fetching the public data sets (MNIST t10k, FSDD) into the {@code shared/data} layout with pinned
 * checksums, resumable downloads and retries ({@link
 * io.streamalign.ingest.source.fetch.DatasetFetcher}).
 */
package io.streamalign.ingest.source.fetch;
