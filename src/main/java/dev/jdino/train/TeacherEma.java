package dev.jdino.train;

import ai.djl.ndarray.NDArray;
import dev.jdino.model.ParameterSet;

/**
 * The teacher's momentum update {@code theta_t = m theta_t + (1 - m) theta_s} over every parameter
 * (backbone and head), as two operations on the flat buffers.
 */
public final class TeacherEma {
  private TeacherEma() {}

  public static void update(ParameterSet teacher, ParameterSet student, double momentum) {
    if (teacher.layout() != student.layout()
        && teacher.layout().numel() != student.layout().numel()) {
      throw new IllegalArgumentException("teacher and student layouts differ");
    }
    NDArray scaled = student.flat().mul((float) (1 - momentum));
    teacher.flat().muli((float) momentum).addi(scaled);
    scaled.close();
  }
}
