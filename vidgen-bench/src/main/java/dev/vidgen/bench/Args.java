package dev.vidgen.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} command-line options of the report mains, with defaults and a clear error for unknown names. */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();

  Args(String[] args, Map<String, String> defaults, String usage) {
    values.putAll(defaults);
    Set<String> known = defaults.keySet();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(usage);
        System.exit(0);
      }
      if (!a.startsWith("--") || !known.contains(a.substring(2)) || i + 1 >= args.length) {
        throw new IllegalArgumentException("bad argument '" + a + "'; " + usage);
      }
      values.put(a.substring(2), args[++i]);
    }
  }

  String get(String name) {
    return values.get(name);
  }

  int getInt(String name) {
    return Integer.parseInt(values.get(name).trim());
  }

  List<String> getList(String name) {
    List<String> out = new ArrayList<>();
    for (String s : values.get(name).split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }
}
