/**
 * The {@code media} source: video + audio decoded by FFmpeg (through JavaCV) from a file or a live
 * RTSP/HTTP URL, published as paired RGB24/RAW8 frames and PCM16 chunks ({@link
 * io.streamalign.ingest.source.media.MediaSource}).
 */
package io.streamalign.ingest.source.media;
