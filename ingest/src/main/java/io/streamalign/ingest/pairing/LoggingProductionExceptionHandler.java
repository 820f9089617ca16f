package io.streamalign.ingest.pairing;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every failed write of the pairing app. A record the broker can never accept (too large) or
 * that cannot be serialized is skipped so one oversized sample cannot stop pairing; any other error
 * fails the task, and the app's uncaught-exception handler replaces the thread (under exactly-once
 * the transaction is aborted and the input re-processed, so nothing is lost).
 */
public final class LoggingProductionExceptionHandler implements ProductionExceptionHandler {
  private static final Logger LOG =
      LoggerFactory.getLogger(LoggingProductionExceptionHandler.class);

  @Override
  public void configure(Map<String, ?> configs) {}

  @Override
  public Response handleError(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception e) {
    if (e instanceof RecordTooLargeException) {
      LOG.error(
          "skipping record too large for topic {} (from {}-{}@{}): {}",
          record.topic(),
          context.topic(),
          context.partition(),
          context.offset(),
          e.toString());
      return Response.resume();
    }
    LOG.error(
        "failed to write to topic {} (from {}-{}@{}); failing the task",
        record.topic(),
        context.topic(),
        context.partition(),
        context.offset(),
        e);
    return Response.fail();
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Response handleSerializationError(
      ErrorHandlerContext context,
      ProducerRecord record,
      Exception e,
      SerializationExceptionOrigin origin) {
    LOG.error(
        "skipping record for topic {} that could not be serialized ({} of {}-{}@{})",
        record.topic(),
        origin,
        context.topic(),
        context.partition(),
        context.offset(),
        e);
    return Response.resume();
  }
}
