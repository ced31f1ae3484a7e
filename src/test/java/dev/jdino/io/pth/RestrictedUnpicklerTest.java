package dev.jdino.io.pth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The opcodes that replace the top two stack items by one take them in pickle.py's order (the
 * module or callable below, the name or arguments on top), in the uses a checkpoint allows.
 */
class RestrictedUnpicklerTest {
  private static Object load(HandMade p) {
    return RestrictedUnpickler.load(
        p.stop().bytes(),
        t -> {
          throw new AssertionError("no persistent ids here");
        });
  }

  @Test
  void stackGlobalThenNewObjIsAnOrderedDict() {
    // Protocol 4's form of collections.OrderedDict(): STACK_GLOBAL, EMPTY_TUPLE, NEWOBJ.
    Object d =
        load(
            HandMade.pickle().str("collections").str("OrderedDict").op(0x93).emptyTuple().op(0x81));
    assertTrue(assertInstanceOf(PyDict.class, d).ordered());
  }

  @Test
  void stackGlobalThenReduceIsANamespace() {
    Object n =
        load(HandMade.pickle().str("argparse").str("Namespace").op(0x93).emptyTuple().reduce());
    assertInstanceOf(PyNamespace.class, n);
  }

  @Test
  void swappedOperandsAreNotTheSameCall() {
    // The name below the module: "OrderedDict.collections" is no allowed global.
    PthFormatException e =
        assertThrows(
            PthFormatException.class,
            () -> load(HandMade.pickle().str("OrderedDict").str("collections").op(0x93)));
    assertTrue(e.getMessage().contains("imports OrderedDict.collections"), e.getMessage());
    // NEWOBJ with the tuple below the class: the "class" is a tuple.
    e =
        assertThrows(
            PthFormatException.class,
            () ->
                load(HandMade.pickle().emptyTuple().global("collections", "OrderedDict").op(0x81)));
    assertTrue(
        e.getMessage()
            .contains("a tuple at byte 28 is given a collections.OrderedDict as" + " arguments"),
        e.getMessage());
  }

  @Test
  void numelOfShapes() {
    assertEquals(1, PyTensor.numel(new long[0]));
    assertEquals(0, PyTensor.numel(new long[] {3, 0, 2}));
    assertEquals(24, PyTensor.numel(new long[] {2, 3, 4}));
    assertEquals(24, new PthWriter.Tensor(DType.FLOAT32, new long[] {2, 3, 4}, () -> null).numel());
  }
}
