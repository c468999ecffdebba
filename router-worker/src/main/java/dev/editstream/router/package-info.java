/**
 * The router worker's pure decisions: which RunComfy model a job goes to ({@link
 * dev.editstream.router.Router}, cues from the per-language lexicons in {@code
 * editstream/routing/}), the request body for that model ({@link dev.editstream.router.BodyBuilder})
 * and its schema check ({@link dev.editstream.router.BodyCheck}). Nothing here touches Kafka or
 * HTTP; the worker adapter wires these into the stream.
 */
package dev.editstream.router;
