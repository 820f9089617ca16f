package io.streamalign.eval.pmr;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The CG-MNIST network of PMR section 5.2: per modality a 4-convolution encoder with average
 * pooling to a 512-d embedding, and one of the paper's fusion heads (or a single-modality head).
 *
 * <p>Encoder (as the PMR authors' {@code convnet}): input batch norm; conv 5x5/32, ReLU, max-pool
 * 3/2 (28 -> 14); conv 3x3/32, ReLU; conv 3x3/64 stride 2 (14 -> 7), ReLU; conv 3x3/64, ReLU;
 * average pool 7x7; linear 64 -> 512. Fusion heads (their {@code fusion_modules}): concatenation
 * {@code W[z0; z1] + b}; summation {@code W0 z0 + b0 + W1 z1 + b1}; FiLM with the gray embedding
 * conditioning the coloured one ({@code (gamma, beta) = fc(z0)}, out {@code = fc_out(gamma * z1 +
 * beta)}); gated with the gray embedding as the gate ({@code fc_out(sigmoid(fc_x z0) * fc_y z1)}).
 *
 * <p>Input: {@code NDList(gray B x 1 x 28 x 28, colour B x 3 x 28 x 28)}. Output: for fused kinds
 * {@code NDList(z0, z1, logits)}, for single-modality kinds {@code NDList(z, logits)}.
 */
public final class CgNet extends AbstractBlock {

  /** What the network looks at and how it fuses. */
  public enum Kind {
    GRAY,
    COLOUR,
    CONCAT,
    SUM,
    FILM,
    GATED;

    public boolean fused() {
      return this != GRAY && this != COLOUR;
    }
  }

  public static final int EMBED = 512;
  public static final int CLASSES = 10;

  private final Kind kind;
  private final Block gray;
  private final Block colour;
  private final Block fcA;
  private final Block fcB;
  private final Block fcOut;

  public CgNet(Kind kind) {
    this.kind = kind;
    gray = kind == Kind.COLOUR ? null : addChildBlock("gray", encoder());
    colour = kind == Kind.GRAY ? null : addChildBlock("colour", encoder());
    switch (kind) {
      case GRAY, COLOUR, CONCAT -> {
        fcA = null;
        fcB = null;
        fcOut = addChildBlock("fc_out", linear(CLASSES));
      }
      case SUM -> {
        fcA = addChildBlock("fc_x", linear(CLASSES));
        fcB = addChildBlock("fc_y", linear(CLASSES));
        fcOut = null;
      }
      case FILM -> {
        fcA = addChildBlock("fc", linear(2 * EMBED));
        fcB = null;
        fcOut = addChildBlock("fc_out", linear(CLASSES));
      }
      case GATED -> {
        fcA = addChildBlock("fc_x", linear(EMBED));
        fcB = addChildBlock("fc_y", linear(EMBED));
        fcOut = addChildBlock("fc_out", linear(CLASSES));
      }
      default -> throw new IllegalArgumentException(kind.toString());
    }
  }

  public Kind kind() {
    return kind;
  }

  private static Block linear(int units) {
    return Linear.builder().setUnits(units).build();
  }

  static SequentialBlock encoder() {
    return new SequentialBlock()
        .add(BatchNorm.builder().build())
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(5, 5))
                .optPadding(new Shape(2, 2))
                .setFilters(32)
                .build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(32)
                .build())
        .add(Activation.reluBlock())
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .optStride(new Shape(2, 2))
                .setFilters(64)
                .build())
        .add(Activation.reluBlock())
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(64)
                .build())
        .add(Activation.reluBlock())
        .add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(EMBED).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray z0 =
        gray == null
            ? null
            : gray.forward(ps, new NDList(inputs.get(0)), training).singletonOrThrow();
    NDArray z1 =
        colour == null
            ? null
            : colour.forward(ps, new NDList(inputs.get(1)), training).singletonOrThrow();
    switch (kind) {
      case GRAY:
        return new NDList(z0, fcOut.forward(ps, new NDList(z0), training).singletonOrThrow());
      case COLOUR:
        return new NDList(z1, fcOut.forward(ps, new NDList(z1), training).singletonOrThrow());
      case CONCAT:
        {
          NDArray out =
              fcOut
                  .forward(ps, new NDList(NDArrays.concat(new NDList(z0, z1), 1)), training)
                  .singletonOrThrow();
          return new NDList(z0, z1, out);
        }
      case SUM:
        {
          NDArray out =
              fcA.forward(ps, new NDList(z0), training)
                  .singletonOrThrow()
                  .add(fcB.forward(ps, new NDList(z1), training).singletonOrThrow());
          return new NDList(z0, z1, out);
        }
      case FILM:
        {
          NDList gb = fcA.forward(ps, new NDList(z0), training).singletonOrThrow().split(2, 1);
          NDArray film = gb.get(0).mul(z1).add(gb.get(1));
          return new NDList(
              z0, z1, fcOut.forward(ps, new NDList(film), training).singletonOrThrow());
        }
      case GATED:
        {
          NDArray gate =
              Activation.sigmoid(fcA.forward(ps, new NDList(z0), training).singletonOrThrow());
          NDArray y = fcB.forward(ps, new NDList(z1), training).singletonOrThrow();
          return new NDList(
              z0, z1, fcOut.forward(ps, new NDList(gate.mul(y)), training).singletonOrThrow());
        }
      default:
        throw new IllegalStateException(kind.toString());
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long b = inputShapes[0].get(0);
    Shape z = new Shape(b, EMBED);
    Shape out = new Shape(b, CLASSES);
    return kind.fused() ? new Shape[] {z, z, out} : new Shape[] {z, out};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long b = inputShapes[0].get(0);
    Shape z = new Shape(b, EMBED);
    if (gray != null) {
      gray.initialize(manager, dataType, inputShapes[0]);
    }
    if (colour != null) {
      colour.initialize(manager, dataType, inputShapes[1]);
    }
    switch (kind) {
      case GRAY, COLOUR -> fcOut.initialize(manager, dataType, z);
      case CONCAT -> fcOut.initialize(manager, dataType, new Shape(b, 2 * EMBED));
      case SUM -> {
        fcA.initialize(manager, dataType, z);
        fcB.initialize(manager, dataType, z);
      }
      case FILM -> {
        fcA.initialize(manager, dataType, z);
        fcOut.initialize(manager, dataType, z);
      }
      case GATED -> {
        fcA.initialize(manager, dataType, z);
        fcB.initialize(manager, dataType, z);
        fcOut.initialize(manager, dataType, z);
      }
      default -> throw new IllegalStateException(kind.toString());
    }
  }
}
