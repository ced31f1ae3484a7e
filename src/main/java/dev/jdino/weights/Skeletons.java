package dev.jdino.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jdino.io.pth.PyDict;
import dev.jdino.io.pth.PyNamespace;
import dev.jdino.io.pth.PyTuple;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The nesting of a {@code .pth} as JSON ({@link WeightFile#structure()}), kept in a safetensors
 * file's metadata when a {@code .pth} is converted so that converting back rebuilds the same
 * object. Encoding: a tensor is {@code {"$tensor": flat name}}, a dict {@code {"$dict": [[key,
 * value], ...], "$ordered": bool}}, a namespace {@code {"$namespace": [[key, value], ...]}}, a
 * tuple {@code {"$tuple": [...]}}, a list a JSON array; big integers, non-finite floats and bytes
 * are tagged ({@code $int}, {@code $float}, {@code $bytes}); other scalars are themselves.
 *
 * <p>The metadata of a safetensors file is as untrusted as the rest of it: decoding checks every
 * node and refuses what does not fit with an {@link IllegalArgumentException}.
 */
final class Skeletons {
  private Skeletons() {}

  /**
   * The object a skeleton describes, each tensor made by {@code tensor} from its flat name.
   *
   * @throws IllegalArgumentException for a malformed skeleton
   */
  static Object tree(JsonNode n, Function<String, Object> tensor) {
    return tree(n, tensor, 0);
  }

  private static Object tree(JsonNode n, Function<String, Object> tensor, int depth) {
    if (depth > WeightFile.MAX_DEPTH) {
      throw new IllegalArgumentException("structure nested deeper than " + WeightFile.MAX_DEPTH);
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(c -> l.add(tree(c, tensor, depth + 1)));
      return l;
    }
    if (n.isObject()) {
      if (n.has("$tensor")) {
        return tensor.apply(text(n.get("$tensor")));
      }
      if (n.has("$tuple")) {
        List<Object> l = new ArrayList<>();
        array(n.get("$tuple")).forEach(c -> l.add(tree(c, tensor, depth + 1)));
        return new PyTuple(l);
      }
      if (n.has("$dict")) {
        PyDict d = new PyDict(n.path("$ordered").asBoolean(false));
        for (JsonNode kv : array(n.get("$dict"))) {
          if (!kv.isArray() || kv.size() != 2) {
            throw new IllegalArgumentException("a dict item that is not a [key, value] pair");
          }
          d.put(tree(kv.get(0), tensor, depth + 1), tree(kv.get(1), tensor, depth + 1));
        }
        return d;
      }
      if (n.has("$namespace")) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (JsonNode kv : array(n.get("$namespace"))) {
          if (!kv.isArray() || kv.size() != 2 || !kv.get(0).isTextual()) {
            throw new IllegalArgumentException(
                "a namespace field that is not a [name, value] pair");
          }
          fields.put(kv.get(0).asText(), tree(kv.get(1), tensor, depth + 1));
        }
        return new PyNamespace(fields);
      }
      if (n.has("$int")) {
        return new BigInteger(text(n.get("$int")));
      }
      if (n.has("$float")) {
        return Double.valueOf(text(n.get("$float")));
      }
      if (n.has("$bytes")) {
        return Base64.getDecoder().decode(text(n.get("$bytes")));
      }
      throw new IllegalArgumentException("an object node without a known tag");
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    if (n.isNull()) {
      return null;
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.asLong() : n.bigIntegerValue();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    throw new IllegalArgumentException("an unexpected " + n.getNodeType() + " node");
  }

  /**
   * The same non-tensor data {@link WeightFile#data()} gives for the original {@code .pth}: the
   * skeleton with its tensors left out.
   */
  static JsonNode data(JsonNode skeleton, Set<String> tensorNames) {
    try {
      return data(skeleton, tensorNames, 0);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static JsonNode data(JsonNode n, Set<String> names, int depth) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    if (depth > WeightFile.MAX_DEPTH) {
      throw new IllegalArgumentException("too deep");
    }
    if (n.isObject() && n.has("$tensor")) {
      return null;
    }
    if (n.isObject() && (n.has("$dict") || n.has("$namespace"))) {
      ObjectNode out = json.objectNode();
      boolean hadTensors = false;
      for (JsonNode kv : array(n.has("$dict") ? n.get("$dict") : n.get("$namespace"))) {
        if (!kv.isArray() || kv.size() != 2) {
          throw new IllegalArgumentException("bad pair");
        }
        JsonNode k = kv.get(0);
        JsonNode child = data(kv.get(1), names, depth + 1);
        if (child == null) {
          hadTensors = true;
        } else {
          out.set(k.isValueNode() ? k.asText() : k.toString(), child);
        }
      }
      return hadTensors && out.isEmpty() ? null : out;
    }
    if (n.isArray() || n.isObject() && n.has("$tuple")) {
      ArrayNode out = json.arrayNode();
      for (JsonNode c : n.isArray() ? n : array(n.get("$tuple"))) {
        JsonNode child = data(c, names, depth + 1);
        out.add(child == null ? json.textNode("tensor") : child);
      }
      return out;
    }
    if (n.isObject() && (n.has("$int") || n.has("$float"))) {
      return json.textNode(n.elements().next().asText());
    }
    if (n.isObject() && n.has("$bytes")) {
      return json.textNode("<bytes>");
    }
    return n;
  }

  private static JsonNode array(JsonNode n) {
    if (n == null || !n.isArray()) {
      throw new IllegalArgumentException("expected an array");
    }
    return n;
  }

  private static String text(JsonNode n) {
    if (n == null || !n.isTextual()) {
      throw new IllegalArgumentException("expected a string");
    }
    return n.asText();
  }
}
