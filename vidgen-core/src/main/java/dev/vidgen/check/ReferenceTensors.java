package dev.vidgen.check;

import dev.vidgen.api.ConfigException;
import dev.vidgen.api.HostTensor;
import dev.vidgen.weights.SafetensorsFile;
import dev.vidgen.weights.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a case's {@code reference.safetensors}: every tensor as float32 on the host (ids convert exactly). */
public final class ReferenceTensors {
  private ReferenceTensors() {}

  public static Map<String, HostTensor> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file + " is missing");
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (TensorInfo t : f.tensors().values()) {
        ByteBuffer b = f.map(t);
        float[] data = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < data.length; i++) {
          data[i] = switch (t.dtype()) {
            case F32 -> b.getFloat(4 * i);
            case F64 -> (float) b.getDouble(8 * i);
            case I64 -> (float) b.getLong(8 * i);
            case I32 -> (float) b.getInt(4 * i);
            case BOOL, U8 -> b.get(i);
            default -> throw new ConfigException(file + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                + ", expected F32, F64, I64, I32, U8 or BOOL");
          };
        }
        out.put(t.name(), new HostTensor(t.shape(), data));
      }
    }
    return out;
  }
}
