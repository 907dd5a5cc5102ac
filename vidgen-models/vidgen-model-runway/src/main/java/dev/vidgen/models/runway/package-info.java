/**
 * Runway's generation API behind {@link dev.vidgen.api.VideoPipeline}: {@code VideoPipeline.load("runway:gen4.5")}.
 *
 * <ul>
 *   <li>{@link dev.vidgen.models.runway.RunwayProvider}: the {@code runway} family ({@code META-INF/services}).
 *   <li>{@link dev.vidgen.models.runway.RunwayConfig}: base URL, key, timeout, poll and retry timings, and where each
 *       comes from ({@code RUNWAYML_BASE_URL}, {@code RUNWAYML_API_SECRET}, {@code runway.*} options).
 *   <li>{@link dev.vidgen.models.runway.RunwayModel}: the known models' sizes and durations, for checking requests.
 *   <li>{@code RunwayRequest}: how a {@link dev.vidgen.api.GenerationRequest} becomes a create call.
 *   <li>{@code RunwayClient}: HTTP, retries, typed errors; {@code RunwayPipeline}: create, poll, cancel, download,
 *       decode.
 *   <li>{@link dev.vidgen.models.runway.RunwayException} and its subclasses: what can go wrong, by kind.
 * </ul>
 *
 * <p>Requests cost credits of the Runway account that owns the key.
 */
package dev.vidgen.models.runway;
