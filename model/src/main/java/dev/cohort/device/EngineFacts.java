package dev.cohort.device;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the loaded PyTorch engine offers this process: which native library it loaded and whether that library can
 * reach a GPU. Reading it loads the engine (once per JVM).
 *
 * @param djlVersion DJL's version
 * @param pytorchVersion the native libtorch's version
 * @param libraryPath the directory of the libtorch that was loaded (DJL's cache, or PYTORCH_LIBRARY_PATH)
 * @param features what the native library was built with (CUDA, CUDNN, MKL, OPENMP, ...)
 * @param gpuCount GPUs the engine sees (after CUDA_VISIBLE_DEVICES); 0 without CUDA
 * @param intraOpThreads PyTorch's intra-op threads
 * @param interOpThreads PyTorch's inter-op threads
 */
public record EngineFacts(String djlVersion, String pytorchVersion, String libraryPath, Set<String> features,
    int gpuCount, int intraOpThreads, int interOpThreads) {
  static final String ENGINE = "PyTorch";
  static final String CUDA = "CUDA";

  public EngineFacts {
    features = Collections.unmodifiableSortedSet(new TreeSet<>(features));
  }

  /** The running engine's facts. */
  public static EngineFacts read() {
    Engine engine = Engine.getEngine(ENGINE);
    return new EngineFacts(Engine.getDjlVersion(), engine.getVersion(), LibUtils.getLibtorchPath(),
        JniUtils.getFeatures(), engine.getGpuCount(), JniUtils.getNumThreads(),
        JniUtils.getNumInteropThreads());
  }

  /** Whether the native library was built with CUDA (DJL's pytorch-native-cu* flavours, a CUDA libtorch). */
  public boolean cudaBuilt() {
    return features.contains(CUDA);
  }

  /** "cuda" or "cpu": which flavour of the native library was loaded. */
  public String flavour() {
    return cudaBuilt() ? "cuda" : "cpu";
  }
}
