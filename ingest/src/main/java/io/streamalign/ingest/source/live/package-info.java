/**
 * Live clients pushing their own capture: {@link io.streamalign.ingest.source.live.LiveCapture}
 * publishes the moments a browser tab's camera and microphone send (the dashboard's capture page)
 * through an {@link io.streamalign.ingest.producer.AvSink}, with the seq and record order of every
 * source, within the server-side {@link io.streamalign.ingest.source.live.LiveLimits}. It knows
 * nothing of HTTP: the server that carries the moments maps its {@link
 * io.streamalign.ingest.source.live.LiveCaptureException} kinds to statuses.
 */
package io.streamalign.ingest.source.live;
