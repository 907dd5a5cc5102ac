package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reading helpers shared by the scheduler config records. */
final class ConfigFields {
  private ConfigFields() {}

  /** {@code prediction_type}, restricted to the values {@code owner} implements. */
  static PredictionType predictionType(JsonConfig c, String owner, PredictionType def, PredictionType... allowed) {
    PredictionType p = c.getEnum("prediction_type", PredictionType.class, def);
    if (!Arrays.asList(allowed).contains(p)) {
      List<String> names = new ArrayList<>();
      for (PredictionType a : allowed) {
        names.add(a.jsonName());
      }
      throw c.error("prediction_type", "must be one of " + names + " for " + owner + ", got '" + p.jsonName() + "'");
    }
    return p;
  }

  /** {@code num_train_timesteps}, at least 2 (diffusers divides by {@code num_train_timesteps - 1}). */
  static int numTrainTimesteps(JsonConfig c) {
    int n = c.getInt("num_train_timesteps", 1000);
    if (n < 2) {
      throw c.error("num_train_timesteps", "must be at least 2, got " + n);
    }
    return n;
  }

  /** At most one of {@code use_karras_sigmas}, {@code use_exponential_sigmas}, {@code use_beta_sigmas}. */
  static void checkOneSigmaSchedule(JsonConfig c, boolean karras, boolean exponential, boolean beta) {
    int on = (karras ? 1 : 0) + (exponential ? 1 : 0) + (beta ? 1 : 0);
    if (on > 1) {
      throw c.error("use_karras_sigmas", "/ use_exponential_sigmas / use_beta_sigmas: only one of them can be true");
    }
  }

  static double[] copy(double[] a) {
    return a == null ? null : a.clone();
  }
}
