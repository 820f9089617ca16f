/**
 * The trainer's loop: {@link io.streamalign.trainer.loop.TrainLoop} (poll, learn, publish), {@link
 * io.streamalign.trainer.loop.LearnerWorker} (the learner and its thread) and {@link
 * io.streamalign.trainer.loop.Recovery} (the last committed state and the rollback to it).
 */
package io.streamalign.trainer.loop;
