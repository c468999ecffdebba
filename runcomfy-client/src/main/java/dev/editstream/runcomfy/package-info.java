/**
 * The RunComfy Model API adapter of editstream: a non-blocking Reactor Netty client ({@link
 * dev.editstream.runcomfy.RunComfyClient}), token lookup ({@link
 * dev.editstream.runcomfy.TokenSource}), the download host policy ({@link
 * dev.editstream.runcomfy.DownloadPolicy}), a streaming downloader ({@link
 * dev.editstream.runcomfy.OutputDownloader}) and a local asset server for the emulator ({@link
 * dev.editstream.runcomfy.LocalAssetServer}).
 *
 * <p>Decisions (status words into a {@link dev.editstream.runcomfy.RequestPhase}, error
 * classification, Retry-After parsing, URL policy, file names, output URL collection, cost and
 * balance reading) live in small pure classes; the HTTP classes only move bytes and delegate to
 * them. Every failure leaves this package as a {@link dev.editstream.core.error.StageException}
 * whose message never carries the token or a URL query string. Facts about RunComfy come from
 * {@code /work/shared/docs/runcomfy-model-api.md} (RunComfy's docs and its CLI, runcomfy-cli
 * v0.2.0) and, where newer, {@code /work/shared/docs/runcomfy-live-contract.md} (status spellings,
 * the result-not-ready answer 400005, {@code include_cost}, the catalog and balance endpoints).
 */
package dev.editstream.runcomfy;
