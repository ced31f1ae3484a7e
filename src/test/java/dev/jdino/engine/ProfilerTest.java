package dev.jdino.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Self time per operator from a hand-made Chrome trace (microseconds). */
class ProfilerTest {
  @Test
  void childrenAreTakenOffTheirParentsSelfTime(@TempDir Path tmp) throws Exception {
    // Thread 1: linear [0, 100) calls mm [10, 70) and add [70, 90); then mm [100, 130).
    // Thread 2: gelu [0, 50). Total top-level time: 100 + 30 + 50 = 180.
    String trace =
        "{\"traceEvents\": ["
            + "{\"ph\":\"X\",\"name\":\"aten::linear\",\"ts\":0,\"dur\":100,\"tid\":1},"
            + "{\"ph\":\"X\",\"name\":\"aten::mm\",\"ts\":10,\"dur\":60,\"tid\":1},"
            + "{\"ph\":\"X\",\"name\":\"aten::add\",\"ts\":70,\"dur\":20,\"tid\":1},"
            + "{\"ph\":\"X\",\"name\":\"aten::mm\",\"ts\":100,\"dur\":30,\"tid\":1},"
            + "{\"ph\":\"X\",\"name\":\"aten::gelu\",\"ts\":0,\"dur\":50,\"tid\":2},"
            + "{\"ph\":\"i\",\"name\":\"marker\",\"ts\":5,\"tid\":1}]}";
    Path f = tmp.resolve("t.json");
    Files.writeString(f, trace);
    List<Profiler.Row> rows = Profiler.table(f);
    assertEquals("aten::mm", rows.get(0).op());
    assertEquals(2, rows.get(0).calls());
    assertEquals(0.090, rows.get(0).selfMs(), 1e-12);
    assertEquals(90 / 180.0, rows.get(0).share(), 1e-12);
    Profiler.Row gelu = rows.get(1);
    assertEquals("aten::gelu", gelu.op());
    assertEquals(0.050, gelu.selfMs(), 1e-12);
    Profiler.Row add = rows.stream().filter(r -> r.op().equals("aten::add")).findFirst().get();
    assertEquals(0.020, add.selfMs(), 1e-12);
    Profiler.Row linear =
        rows.stream().filter(r -> r.op().equals("aten::linear")).findFirst().get();
    assertEquals(0.020, linear.selfMs(), 1e-12, "100 - 60 - 20");
  }
}
