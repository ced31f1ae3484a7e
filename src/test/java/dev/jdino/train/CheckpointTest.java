package dev.jdino.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.BadInputException;
import dev.jdino.io.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link Checkpoint#open} refuses a checkpoint whose jdino metadata is damaged. */
class CheckpointTest {

  /** A safetensors file without tensors whose metadata says jdino and holds {@code state}. */
  private static Path checkpoint(Path dir, String state) throws Exception {
    ObjectNode header = Json.object();
    ObjectNode meta = header.putObject("__metadata__");
    meta.put("format", Checkpoint.FORMAT);
    meta.put("jdino", state);
    byte[] json = Json.MAPPER.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    Path file = dir.resolve(Checkpoint.FILE);
    Files.write(file, b.array());
    return file;
  }

  @Test
  void aCorruptStateIsOneLineWithoutJacksonsSourcePointer(@TempDir Path tmp) throws Exception {
    Path file = checkpoint(tmp, "{not json");
    BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.open(file));
    assertEquals(
        file
            + ": checkpoint metadata is not a jdino training state (Unexpected character ('n'"
            + " (code 110)): was expecting double-quote to start field name)",
        e.getMessage());
  }

  @Test
  void aStateWhoseConfigurationIsNotOneSaysSoInOneLine(@TempDir Path tmp) throws Exception {
    ObjectNode state = Json.object();
    state.put("config", "oops");
    Path file = checkpoint(tmp, Json.MAPPER.writeValueAsString(state));
    BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.open(file));
    assertEquals(
        file
            + ": checkpoint metadata is not a jdino training state (not a jdino DINO"
            + " configuration: expected a JSON object)",
        e.getMessage());
  }
}
