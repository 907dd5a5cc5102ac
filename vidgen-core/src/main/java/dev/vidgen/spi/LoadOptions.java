package dev.vidgen.spi;

import ai.djl.Device;
import dev.vidgen.api.Precision;
import java.util.Map;
import java.util.TreeMap;

/**
 * How to load a model.
 *
 * @param device where weights and activations live
 * @param precision weight/activation type
 * @param scheduler a scheduler class name or alias to use instead of the shipped one, or null
 * @param variant weight file variant ({@code fp16} for {@code *.fp16.safetensors}), or null
 * @param model the name the user loaded, when it was an alias (its defaults may differ from the folder's), or null
 * @param providerOptions provider-specific settings by name (e.g. {@code runway.baseUrl}), each one a name the chosen
 *     provider lists in {@link ModelProvider#optionNames()}; empty for none. Values may be secrets (API keys), so
 *     {@link #toString()} shows the names only.
 */
public record LoadOptions(Device device, Precision precision, String scheduler, String variant, ModelVariant model,
    Map<String, String> providerOptions) {

  public LoadOptions {
    providerOptions = providerOptions == null ? Map.of() : Map.copyOf(providerOptions);
  }

  /** Options without provider-specific settings. */
  public LoadOptions(Device device, Precision precision, String scheduler, String variant, ModelVariant model) {
    this(device, precision, scheduler, variant, model, Map.of());
  }

  public static LoadOptions defaults() {
    return new LoadOptions(Device.cpu(), Precision.FLOAT32, null, null, null);
  }

  /** The DJL data type of {@link #precision()}. */
  public ai.djl.ndarray.types.DataType dataType() {
    return switch (precision) {
      case FLOAT32 -> ai.djl.ndarray.types.DataType.FLOAT32;
      case FLOAT16 -> ai.djl.ndarray.types.DataType.FLOAT16;
      case BFLOAT16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
    };
  }

  /** Shows provider option names but never their values, which may be API keys. */
  @Override
  public String toString() {
    return "LoadOptions[device=" + device + ", precision=" + precision + ", scheduler=" + scheduler + ", variant="
        + variant + ", model=" + (model == null ? null : model.alias()) + ", providerOptions="
        + new TreeMap<>(providerOptions).keySet() + "]";
  }
}
