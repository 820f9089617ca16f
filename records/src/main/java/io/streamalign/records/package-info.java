/**
 * The one owner of the boundary between the Avro records on the topics and the learner of the
 * {@code model} module (which knows nothing of Kafka or Avro):
 *
 * <ul>
 *   <li>{@link io.streamalign.records.Modalities}: the Avro {@code Modality} and the model's, and
 *       modality names typed by users;
 *   <li>{@link io.streamalign.records.SampleRecords}: {@code PairedSample} and {@code
 *       SupportExample} into model {@code Sample}s and enrollments, with every tensor checked
 *       against the learner's shapes;
 *   <li>{@link io.streamalign.records.SnapshotCodec}: a {@code ModelSnapshot} record from learner
 *       snapshot bytes (sha256, format version, optional HMAC-SHA256 signature) and its one
 *       verification, used alike by the trainer, serving and the benchmarks.
 * </ul>
 */
package io.streamalign.records;
