package dev.cohort.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Binds a HOCON object to a record: component {@code fooBar} reads key {@code foo-bar}. Unknown keys are rejected so a
 * misspelt option fails loudly instead of silently keeping its default.
 */
final class RecordBinder {
  private RecordBinder() {}

  /**
   * @param nested values for the record components that are themselves records or lists (of records), in
   *     declaration order
   */
  static <T extends Record> T bind(Config config, Class<T> type, Object... nested) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Set<String> known = new HashSet<>();
    int nextNested = 0;
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      String key = kebab(c.getName());
      known.add(key);
      if (c.getType().isRecord() || c.getType() == List.class) {
        values[i] = nested[nextNested++];
        continue;
      }
      values[i] = read(config, key, c.getType());
    }
    for (String key : config.root().keySet()) {
      if (!known.contains(key)) {
        throw new ConfigException.BadPath(config.origin().description(),
            "unknown key '" + key + "' for " + type.getSimpleName() + "; known keys: " + known);
      }
    }
    try {
      Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
      return type.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct " + type.getName(), e);
    }
  }

  private static Object read(Config config, String key, Class<?> type) {
    if (type == int.class) return config.getInt(key);
    if (type == long.class) return config.getLong(key);
    if (type == double.class) return config.getDouble(key);
    if (type == boolean.class) return config.getBoolean(key);
    if (type == String.class) return config.getString(key);
    throw new IllegalArgumentException("unsupported config type " + type + " for key " + key);
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
  }
}
