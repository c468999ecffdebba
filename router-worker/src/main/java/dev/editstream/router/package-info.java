/**
 * The router worker's decisions: which RunComfy model a job goes to ({@link
 * dev.editstream.router.Router}, cues from the per-language lexicons in {@code
 * editstream/routing/}), prompt warnings ({@link dev.editstream.router.PromptLint}), mask checks
 * ({@link dev.editstream.router.MaskCheck}), the request body for that model ({@link
 * dev.editstream.router.BodyBuilder}) and its schema check ({@link
 * dev.editstream.router.BodyCheck}), all composed without Kafka or HTTP by {@link
 * dev.editstream.router.JobPreparer} (also used by the {@code editstream route} dry run). {@link
 * dev.editstream.router.RouterHandler} wires the preparation and the submit into the stream; {@link
 * dev.editstream.router.CatalogRefresher} refreshes the schemas from RunComfy's catalog. See {@code
 * docs/routing.md}.
 */
package dev.editstream.router;
