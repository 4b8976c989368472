package dev.cohort.worker.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path a child JVM needs to run code of this JVM. Usually {@code java.class.path} as it is; but Surefire
 * (with its default {@code useManifestOnlyJar}) and some launchers put a single jar there whose manifest
 * {@code Class-Path} lists the real entries, which may be deleted with the parent's fork. Those entries are
 * expanded so the child does not depend on that jar.
 */
final class ChildClasspath {
  private ChildClasspath() {}

  static String current() {
    Set<String> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) continue;
      entries.add(entry);
      entries.addAll(manifestEntries(Path.of(entry)));
    }
    return String.join(File.pathSeparator, entries);
  }

  private static List<String> manifestEntries(Path jar) {
    List<String> entries = new ArrayList<>();
    if (!jar.toString().endsWith(".jar") || !Files.isRegularFile(jar)) return entries;
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (classPath == null) return entries;
      URI base = jar.toAbsolutePath().toUri();
      for (String url : classPath.trim().split("\\s+")) entries.add(Path.of(base.resolve(url)).toString());
      return entries;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest of class path entry " + jar, e);
    }
  }
}
