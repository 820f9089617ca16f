package io.streamalign.schemas;

import io.streamalign.schemas.avro.FeatureTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds and reads {@link FeatureTensor}s: float32 values, little-endian, row-major, with a shape.
 */
public final class FeatureTensors {
  private FeatureTensors() {}

  /**
   * A tensor holding a copy of {@code values} with the given shape.
   *
   * @throws IllegalArgumentException if the shape is empty, has a negative dimension, or its
   *     product differs from {@code values.length}
   */
  public static FeatureTensor of(float[] values, int... shape) {
    if (values == null) {
      throw new IllegalArgumentException("values are null");
    }
    long n = elementCount(shape);
    if (n != values.length) {
      throw new IllegalArgumentException(
          "shape "
              + java.util.Arrays.toString(shape)
              + " holds "
              + n
              + " values, got "
              + values.length);
    }
    ByteBuffer data =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    List<Integer> dims = new ArrayList<>(shape.length);
    for (int d : shape) {
      dims.add(d);
    }
    return FeatureTensor.newBuilder().setShape(dims).setData(data).build();
  }

  /**
   * The values of a tensor, as a new array.
   *
   * @throws IllegalArgumentException if the tensor's data length is not 4 * product(shape) or its
   *     shape is invalid
   */
  public static float[] toFloats(FeatureTensor tensor) {
    if (tensor == null) {
      throw new IllegalArgumentException("tensor is null");
    }
    int[] shape = shapeOf(tensor);
    long n = elementCount(shape);
    ByteBuffer data = tensor.getData();
    if (data == null) {
      throw new IllegalArgumentException("tensor has no data");
    }
    ByteBuffer view = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (view.remaining() != n * Float.BYTES) {
      throw new IllegalArgumentException(
          "tensor of shape "
              + java.util.Arrays.toString(shape)
              + " needs "
              + n * Float.BYTES
              + " bytes of float32 data, has "
              + view.remaining());
    }
    float[] out = new float[(int) n];
    view.asFloatBuffer().get(out);
    return out;
  }

  /** The shape as an int array. */
  public static int[] shapeOf(FeatureTensor tensor) {
    List<Integer> dims = tensor.getShape();
    if (dims == null) {
      throw new IllegalArgumentException("tensor has no shape");
    }
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Integer d = dims.get(i);
      if (d == null) {
        throw new IllegalArgumentException("tensor shape has a null dimension");
      }
      shape[i] = d;
    }
    return shape;
  }

  /**
   * The number of values a shape holds.
   *
   * @throws IllegalArgumentException if the shape is empty, has a negative dimension, or holds more
   *     than {@code Integer.MAX_VALUE / 4} values
   */
  public static long elementCount(int... shape) {
    if (shape == null || shape.length == 0) {
      throw new IllegalArgumentException("shape must have at least one dimension");
    }
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "negative dimension in shape " + java.util.Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE / Float.BYTES) {
        throw new IllegalArgumentException(
            "shape " + java.util.Arrays.toString(shape) + " is too large");
      }
    }
    return n;
  }
}
