package io.streamalign.ingest.source;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;

/**
 * Everything a source emits for one stream at one moment: a frame and an audio chunk tagged with
 * the same seq and event time, optionally a caption and a label.
 *
 * @param className the true class of the moment (also when no label is sent)
 * @param text caption or null
 * @param label label event or null (unlabeled moment)
 */
public record Moment(
    String streamId,
    long seq,
    long eventTimeMs,
    String className,
    VideoFrame video,
    AudioChunk audio,
    TextSegment text,
    LabelEvent label) {}
