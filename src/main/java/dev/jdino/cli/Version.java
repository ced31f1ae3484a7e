package dev.jdino.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by Maven), with the engine versions. */
public final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Version.class.getPackage().getImplementationVersion();
    return new String[] {
      "jdino " + (v == null ? "(development)" : v),
      "DJL 0.36.0, PyTorch 2.7.1 (CPU), Java " + System.getProperty("java.version")
    };
  }
}
