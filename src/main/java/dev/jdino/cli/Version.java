package dev.jdino.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by Maven), with the engine versions. */
public final class Version implements IVersionProvider {
  /** "jdino " and the version, as {@code --version}'s first line. */
  static String string() {
    String v = Version.class.getPackage().getImplementationVersion();
    return "jdino " + (v == null ? "(development)" : v);
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      string(), "DJL 0.36.0, PyTorch 2.7.1 (CPU), Java " + System.getProperty("java.version")
    };
  }
}
