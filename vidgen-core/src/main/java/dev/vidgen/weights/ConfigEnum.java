package dev.vidgen.weights;

/** An enum parsed from a config string: {@code jsonName()} is the exact diffusers spelling. */
public interface ConfigEnum {
  String jsonName();
}
