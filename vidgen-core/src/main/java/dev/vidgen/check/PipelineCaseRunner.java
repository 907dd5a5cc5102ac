package dev.vidgen.check;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.VideoPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a pipeline case written in the reference format of diffusers' fixtures ({@code model/}, {@code
 * reference.json}, {@code reference.safetensors}) through the public API and compares every stage our pipeline
 * records with the reference: token ids exactly, frames within 1e-4 absolute, every other stage within {@code 1e-4
 * × max(1, max|reference|)}.
 */
public final class PipelineCaseRunner {
  /** Tolerance of intermediate stages, relative to the reference's magnitude. */
  public static final double STAGE_REL_TOL = 1e-4;
  /** Absolute tolerance of the final frames (values in [0, 1]). */
  public static final double FRAMES_ABS_TOL = 1e-4;

  private PipelineCaseRunner() {}

  /** The case could not be run (not a failed comparison). */
  public static final class CaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CaseException(String message) {
      super(message);
    }
  }

  /**
   * Runs the case.
   *
   * @param fromSeed draw the initial latents from the recorded seed instead of passing the recorded ones
   * @param builder a builder to load with (lets tests and plugin hosts pass their own registry); null = defaults
   */
  public static List<Comparison> run(Path caseDir, boolean fromSeed, VideoPipeline.Builder builder) {
    JsonObject ref = readJson(caseDir.resolve("reference.json"));
    Path model = caseDir.resolve(ref.has("model_dir") ? ref.get("model_dir").getAsString() : "model");
    if (!Files.isDirectory(model)) {
      throw new CaseException(caseDir + ": model folder " + model.getFileName() + "/ is missing");
    }
    Map<String, HostTensor> expected = readTensors(caseDir.resolve("reference.safetensors"));
    JsonObject call = ref.getAsJsonObject("call");
    long seed = ref.get("seed").getAsLong();
    GenerationRequest.Builder rb = GenerationRequest.builder();
    if (call.has("prompt") && !call.get("prompt").isJsonNull()) {
      rb.prompt(call.get("prompt").getAsString());
    }
    if (call.has("negative_prompt") && !call.get("negative_prompt").isJsonNull()) {
      rb.negativePrompt(call.get("negative_prompt").getAsString());
    }
    if (call.has("num_inference_steps")) {
      rb.steps(call.get("num_inference_steps").getAsInt());
    }
    if (call.has("guidance_scale")) {
      rb.guidanceScale(call.get("guidance_scale").getAsDouble());
    }
    if (call.has("height")) {
      rb.height(call.get("height").getAsInt());
    }
    if (call.has("width")) {
      rb.width(call.get("width").getAsInt());
    }
    if (call.has("num_frames")) {
      rb.frames(call.get("num_frames").getAsInt());
    }
    if (call.has("eta") && !call.get("eta").isJsonNull()) {
      rb.eta(call.get("eta").getAsDouble());
    }
    if (call.has("fps") && !call.get("fps").isJsonNull()) {
      rb.fps(call.get("fps").getAsInt());
    }
    if (call.has("frame_rate") && !call.get("frame_rate").isJsonNull()) {
      rb.fps(call.get("frame_rate").getAsInt());
    }
    if (call.has("motion_bucket_id")) {
      rb.motionBucketId(call.get("motion_bucket_id").getAsInt());
    }
    if (call.has("noise_aug_strength")) {
      rb.noiseAugStrength(call.get("noise_aug_strength").getAsDouble());
    }
    if (call.has("decode_chunk_size") && !call.get("decode_chunk_size").isJsonNull()) {
      rb.decodeChunkSize(call.get("decode_chunk_size").getAsInt());
    }
    if (call.has("min_guidance_scale")) {
      rb.minGuidanceScale(call.get("min_guidance_scale").getAsDouble());
    }
    if (call.has("max_guidance_scale")) {
      rb.maxGuidanceScale(call.get("max_guidance_scale").getAsDouble());
    }
    if (Files.isRegularFile(caseDir.resolve("conditioning.png"))) {
      rb.image(caseDir.resolve("conditioning.png"));
    }
    if (fromSeed) {
      rb.seed(seed); // diffusers: randn_tensor(shape, generator=torch.Generator("cpu").manual_seed(seed))
    } else {
      HostTensor initial = expected.get("latents.initial");
      if (initial == null) {
        throw new CaseException(caseDir + ": reference.safetensors has no latents.initial");
      }
      rb.initialLatents(initial);
      rb.seed(seed + 1); // the call's generator for noise drawn inside the loop (reference.json call.generator)
    }
    Map<String, HostTensor> actual = new LinkedHashMap<>();
    rb.recorder((stage, value) -> actual.put(stage, value));
    VideoPipeline.Builder b = builder != null ? builder : VideoPipeline.builder();
    try (VideoPipeline p = b.folder(model).build()) {
      String cls = ref.has("pipeline_class") ? ref.get("pipeline_class").getAsString() : null;
      if (cls != null && !cls.equals(p.pipelineClass())) {
        throw new CaseException(caseDir + ": case is for " + cls + " but the folder loads as " + p.pipelineClass());
      }
      p.generate(rb.build());
    } catch (UnsupportedModelException e) {
      throw new CaseException(e.getMessage());
    }
    List<Comparison> out = new ArrayList<>();
    for (Map.Entry<String, HostTensor> e : actual.entrySet()) {
      HostTensor exp = expected.get(e.getKey());
      if (exp == null) {
        continue; // a stage the reference did not record
      }
      if (fromSeed && e.getKey().equals("latents.initial")) {
        out.add(Comparison.of(e.getKey(), exp, e.getValue(), 0.0)); // seed-for-seed: bit-exact
        continue;
      }
      out.add(Comparison.of(e.getKey(), exp, e.getValue(), tolerance(e.getKey(), exp)));
    }
    if (out.isEmpty()) {
      throw new CaseException(caseDir + ": the pipeline recorded no stage that reference.safetensors holds");
    }
    return out;
  }

  /** The tolerance of a stage: ids exact, frames absolute, the rest relative to the reference magnitude. */
  public static double tolerance(String stage, HostTensor expected) {
    if (stage.endsWith("input_ids") || stage.endsWith("attention_mask") || stage.endsWith("timesteps")) {
      return 0.0;
    }
    if (stage.equals("video.frames")) {
      return FRAMES_ABS_TOL;
    }
    return STAGE_REL_TOL * Math.max(1.0, Comparison.maxAbs(expected));
  }

  static JsonObject readJson(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new CaseException(file + ": cannot read: " + e.getMessage());
    }
  }

  /** The tensors of a reference file as float32 host tensors. */
  public static Map<String, HostTensor> readTensors(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CaseException(file + " is missing");
    }
    return ReferenceTensors.read(file);
  }
}
