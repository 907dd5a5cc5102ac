package dev.vidgen.models.runway;

import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelVariant;
import dev.vidgen.spi.RemoteModelProvider;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Runway's generation API as a vidgen model family: {@code VideoPipeline.load("runway:gen4.5")}, {@code vidgen
 * generate --model runway:gen4.5}. Any name after {@code runway:} is sent to Runway as its {@code model}; the names in
 * {@link RunwayModel#KNOWN} are also checked against their sizes and durations before anything is sent.
 *
 * <p>Generating costs credits of the Runway account that owns the API key. The key comes from the environment
 * variable {@code RUNWAYML_API_SECRET} (or the option {@code runway.apiKey}); the API's address from {@code
 * RUNWAYML_BASE_URL} (default {@code https://api.dev.runwayml.com}). See {@link RunwayConfig} for every setting and
 * {@link RunwayRequest} for how a {@link dev.vidgen.api.GenerationRequest} maps onto Runway's fields.
 */
public final class RunwayProvider implements RemoteModelProvider {
  private static final Logger LOG = System.getLogger(RunwayProvider.class.getPackageName());

  @Override
  public String id() {
    return "runway";
  }

  @Override
  public String description() {
    return "Runway's generation API (remote; requests cost the key owner's Runway credits)";
  }

  /** The known models, {@code runway:gen4.5} first (the family's default). */
  @Override
  public List<ModelVariant> variants() {
    List<ModelVariant> out = new ArrayList<>();
    for (RunwayModel m : new TreeMap<>(RunwayModel.KNOWN).values()) {
      ModelVariant v = new ModelVariant("runway:" + m.name(), List.of(), "Runway " + m.name() + ", "
          + m.endpointsText() + " (remote, " + sizes(m) + ")", "runs on Runway's service with your "
          + RunwayConfig.ENV_API_SECRET + "; costs Runway credits");
      if (m.name().equals("gen4.5")) {
        out.add(0, v);
      } else {
        out.add(v);
      }
    }
    return List.copyOf(out);
  }

  private static String sizes(RunwayModel m) {
    RunwayModel.Limits l = m.endpoints().values().iterator().next();
    return l.durationsText() + " s";
  }

  @Override
  public Set<String> optionNames() {
    return RunwayConfig.OPTION_NAMES;
  }

  /** Checks the configuration (a missing key fails here, before any request) and returns the pipeline. */
  @Override
  public ModelPipeline connect(String model, LoadOptions options) {
    RunwayConfig config = RunwayConfig.resolve(options.providerOptions(), System::getProperty, System::getenv);
    return open(model, config);
  }

  /**
   * The pipeline for {@code model} with a configuration built in code ({@link RunwayConfig#builder}); {@link
   * #connect} uses it after reading options, system properties and the environment.
   */
  public static ModelPipeline open(String model, RunwayConfig config) {
    RunwayModel known = RunwayModel.find(model);
    if (known == null) {
      String hint = RunwayModel.caseInsensitiveMatch(model);
      LOG.log(Level.INFO, "runway:{0} is not a model vidgen knows{1}; sending the request unchecked", model,
          hint == null ? "" : " (did you mean " + hint + "? Runway's names are case-sensitive)");
    }
    return new RunwayPipeline(model, known, config, RandomGenerator.getDefault());
  }
}
