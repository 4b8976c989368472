package dev.cohort.wire;

/**
 * Marker for every message that crosses node boundaries. cohort-pekko.conf binds it to {@link KryoSerializer}, so
 * an implementing class must also be listed in {@link dev.cohort.wire.registry.WireClasses} (Kryo rejects unregistered classes).
 */
public interface WireMessage {}
