/**
 * A local RunComfy Model API emulator: a Reactor Netty HTTP server speaking the documented
 * protocol ({@code ../shared/docs/runcomfy-model-api.md}), producing real derived output files
 * (PNG via javax.imageio, MP4 via jcodec) and injecting seeded faults (429, 503, failed jobs, slow
 * and hung calls, truncated downloads), for tests, demos and benchmarks. As a load model it also
 * plays a provider's per-account concurrency cap and request rate (429 + Retry-After), per-model
 * latency distributions ({@link dev.editstream.emulator.LatencyModel}), cheap shared outputs and
 * multi-GiB synthetic downloads, signs output URLs like presigned storage URLs, and serves its
 * counters at {@code GET /_emulator/stats}.
 *
 * <p>Entry points: {@link dev.editstream.emulator.RunComfyEmulator#start}, configured by {@link
 * dev.editstream.emulator.EmulatorConfig}, and the picocli command {@link
 * dev.editstream.emulator.EmulatorCommand}. Pure parts ({@link dev.editstream.emulator.Route},
 * {@link dev.editstream.emulator.FaultPlan}, {@link dev.editstream.emulator.JobBook}, {@link
 * dev.editstream.emulator.CatalogQuery}, {@link dev.editstream.emulator.ApiResponses}, {@link
 * dev.editstream.emulator.ImageEffects}, {@link dev.editstream.emulator.LatencyModel}, {@link
 * dev.editstream.emulator.TokenBucket}, {@code AdmissionQueue}, {@code InFlightTracker}, {@code
 * UrlSigner}, {@code StatsJson}) hold the decisions; {@code ApiHandler}, {@code ControlHandler},
 * {@code FileSender}, {@code JobRunner}, {@code InputFetcher} and {@code OutputRenderer} are the
 * thin adapters.
 */
package dev.editstream.emulator;
