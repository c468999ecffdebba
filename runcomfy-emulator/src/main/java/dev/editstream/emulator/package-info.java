/**
 * A local RunComfy Model API emulator: a Reactor Netty HTTP server speaking today's RunComfy
 * protocol ({@code ../shared/docs/runcomfy-model-api.md} as amended by {@code
 * runcomfy-live-contract.md}), producing real derived output files (PNG via javax.imageio, MP4 via
 * jcodec) and injecting seeded faults (429, 503, accepted-then-504, failed jobs, slow and hung
 * calls, truncated downloads), for tests, demos and benchmarks.
 *
 * <p>It is independent of editstream's own model files, so it can disagree with editstream as
 * RunComfy would: it serves and validates against its own catalog ({@link
 * dev.editstream.emulator.EmulatorCatalog}, fixture {@code catalog.json} written from
 * runcomfy-live-contract.md §1-§3, entries {@link dev.editstream.emulator.EmulatorModel}), whose
 * {@code input_schema}s are in RunComfy's dialect ({@code float}, {@code default: null}, {@code
 * image_uri} formats, {@code validations}) and are translated ({@code SchemaDialect}) before
 * validation (networknt, draft-07); a stale field is a 422 ({@link
 * dev.editstream.emulator.Violation}), a misspelt model_id a 400001. Like live RunComfy it keeps a
 * balance per account ({@code GET /prod/v2/balance}; 402 with 400002 when exhausted), bills
 * completed jobs ({@link dev.editstream.emulator.Pricing}; {@code result?include_cost=true}),
 * answers a result asked for before completion with 400005 ({@link
 * dev.editstream.emulator.ResultBeforeCompletion}) and spells statuses as live RunComfy does
 * ({@link dev.editstream.emulator.StatusWords}); each can be switched back to the documented
 * behaviour. The catalog is served at {@code GET /v1/models}, {@code /v1/models/categories} and
 * {@code /v1/models/{model_id}}.
 *
 * <p>As a load model it also plays a provider's per-account concurrency cap and request rate (429 +
 * Retry-After), per-model latency distributions ({@link dev.editstream.emulator.LatencyModel}),
 * cheap shared outputs and multi-GiB synthetic downloads, signs output URLs like presigned storage
 * URLs, and serves its counters at {@code GET /_emulator/stats} (including every submit POST per
 * body hash, so a test can assert that a client never re-sent a paid POST).
 *
 * <p>Entry points: {@link
 * dev.editstream.emulator.RunComfyEmulator#start(dev.editstream.emulator.EmulatorConfig)},
 * configured by {@link dev.editstream.emulator.EmulatorConfig}, and the picocli command {@link
 * dev.editstream.emulator.EmulatorCommand}. Pure parts ({@link dev.editstream.emulator.Route},
 * {@link dev.editstream.emulator.FaultPlan}, {@link dev.editstream.emulator.JobBook}, {@link
 * dev.editstream.emulator.CatalogQuery}, {@link dev.editstream.emulator.ApiResponses}, {@link
 * dev.editstream.emulator.EmulatorCatalog}, {@code SchemaDialect}, {@link
 * dev.editstream.emulator.Pricing}, {@link dev.editstream.emulator.StatusWords}, {@link
 * dev.editstream.emulator.ImageEffects}, {@link dev.editstream.emulator.LatencyModel}, {@link
 * dev.editstream.emulator.TokenBucket}, {@code AdmissionQueue}, {@code InFlightTracker}, {@code
 * UrlSigner}, {@code StatsJson}) hold the decisions; {@code ApiHandler}, {@code Submitter}, {@code
 * Billing}, {@code ControlHandler}, {@code FileSender}, {@code JobRunner}, {@code InputFetcher} and
 * {@code OutputRenderer} are the thin adapters.
 */
package dev.editstream.emulator;
