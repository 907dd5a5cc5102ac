package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.ConfigException;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.SchedulerCaseRunner;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The factory: dispatch on _class_name, diffusers' from_config switching, names and aliases. */
class SchedulersTest {

  @Test
  void fromConfigDispatchesOnClassName() {
    assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(
        JsonConfig.read(Fixtures.caseDir("schedulers/ddim-modelscope").resolve("scheduler_config.json"))));
    assertInstanceOf(EulerDiscreteScheduler.class, Schedulers.fromConfig(
        JsonConfig.read(Fixtures.caseDir("schedulers/euler-svd").resolve("scheduler_config.json"))));
    assertInstanceOf(FlowMatchEulerDiscreteScheduler.class, Schedulers.fromConfig(
        JsonConfig.read(Fixtures.caseDir("schedulers/flowmatch-ltx").resolve("scheduler_config.json"))));
  }

  /**
   * The dpmpp-2m case was built as {@code DPMSolverMultistepScheduler.from_config(DDIMScheduler(**kwargs).config)}
   * with the same kwargs as the ddim-modelscope case. Switching ddim-modelscope's in-memory config (recorded in its
   * reference.json, with {@code _use_default_values}) must therefore replay dpmpp-2m exactly: DDIM's default
   * timestep_spacing "leading" is dropped, DPM-Solver's "linspace" applies.
   */
  @Test
  void switchToReproducesFromConfig() {
    JsonConfig ddimConfig = inMemoryConfig("schedulers/ddim-modelscope");
    Scheduler dpm = Schedulers.switchTo(ddimConfig, "dpm++");
    assertEquals(DPMSolverMultistepScheduler.CLASS_NAME, dpm.className());
    DPMSolverMultistepSchedulerConfig c = ((DPMSolverMultistepScheduler) dpm).schedulerConfig();
    assertEquals(TimestepSpacing.LINSPACE, c.timestepSpacing());
    assertEquals(1, c.stepsOffset()); // chosen by the DDIM config's authors, kept
    assertAllPass("schedulers/dpmpp-2m", SchedulerCaseRunner.run(Fixtures.caseDir("schedulers/dpmpp-2m"), dpm));

    // the karras case adds use_karras_sigmas=True as a from_config override
    Scheduler karras = Schedulers.switchTo(ddimConfig.with("use_karras_sigmas", new JsonPrimitive(true)),
        "DPMSolverMultistepScheduler");
    assertAllPass("schedulers/dpmpp-2m-karras",
        SchedulerCaseRunner.run(Fixtures.caseDir("schedulers/dpmpp-2m-karras"), karras));
  }

  /** Without _use_default_values (a scheduler_config.json from disk) every present field is the authors' choice. */
  @Test
  void switchToKeepsFieldsOfAFileConfig() {
    JsonConfig file = JsonConfig.read(Fixtures.caseDir("schedulers/ddim-modelscope").resolve("scheduler_config.json"));
    DPMSolverMultistepScheduler dpm = (DPMSolverMultistepScheduler) Schedulers.switchTo(file, "dpmsolver++");
    assertEquals(TimestepSpacing.LEADING, dpm.schedulerConfig().timestepSpacing());
    assertEquals("DPMSolverMultistepScheduler", dpm.config().getString("_class_name", null));
    EulerDiscreteScheduler euler = (EulerDiscreteScheduler) Schedulers.switchTo(file, "euler");
    assertEquals(PredictionType.EPSILON, euler.schedulerConfig().predictionType());
    assertEquals(0.00085, euler.schedulerConfig().betaStart());
  }

  @Test
  void aliasesAndClassNames() {
    JsonConfig base = JsonConfig.parse("base.json", "{\"_class_name\": \"DDIMScheduler\"}");
    assertEquals(DDIMScheduler.CLASS_NAME, Schedulers.switchTo(base, "ddim").className());
    for (String name : List.of("dpm++", "dpmsolver++", "dpm-solver", "DPMSolverMultistepScheduler")) {
      assertEquals(DPMSolverMultistepScheduler.CLASS_NAME, Schedulers.switchTo(base, name).className(), name);
    }
    assertEquals(EulerDiscreteScheduler.CLASS_NAME, Schedulers.switchTo(base, "euler").className());
    assertEquals(EulerAncestralDiscreteScheduler.CLASS_NAME, Schedulers.switchTo(base, "euler-a").className());
    assertEquals(EulerAncestralDiscreteScheduler.CLASS_NAME, Schedulers.switchTo(base, "Euler-Ancestral").className());
    assertEquals(FlowMatchEulerDiscreteScheduler.CLASS_NAME, Schedulers.switchTo(base, "flow-match").className());
    assertEquals(CogVideoXDDIMScheduler.CLASS_NAME, Schedulers.switchTo(base, "cogvideox-ddim").className());
    assertTrue(Schedulers.knownNames().containsAll(List.of("DDIMScheduler", "euler-a", "flow-match")));
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    JsonConfig base = JsonConfig.parse("base.json", "{}");
    ConfigException e = assertThrows(ConfigException.class, () -> Schedulers.switchTo(base, "unipc"));
    assertTrue(e.getMessage().contains("unipc") && e.getMessage().contains("euler-a")
        && e.getMessage().contains("DPMSolverMultistepScheduler"), e.getMessage());
  }

  static JsonConfig inMemoryConfig(String caseName) {
    Path dir = Fixtures.caseDir(caseName);
    JsonObject config = Fixtures.referenceJson(dir).getAsJsonObject("config");
    return new JsonConfig(caseName + "/reference.json#config", config);
  }

  static void assertAllPass(String caseName, List<Comparison> comparisons) {
    for (Comparison c : comparisons) {
      assertTrue(c.passed(), caseName + ": " + c.describe());
    }
  }
}
