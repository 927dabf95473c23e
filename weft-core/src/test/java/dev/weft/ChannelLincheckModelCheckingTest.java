package dev.weft;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck's model checking (systematic interleavings, including inside the channel's lock) on
 * trySend, tryReceive, close and isClosed of a bounded(2) channel, against the sequential model of
 * {@link ChannelLincheckTest}. Apart from {@code ChannelLincheckTest} because Lincheck's
 * instrumentation alone costs about 15 s on this machine.
 */
@Tag("stress")
public class ChannelLincheckModelCheckingTest {

    /** trySend, tryReceive and close on bounded(2) are linearizable (model checking). */
    @Test
    void boundedTryOperationsAreLinearizableUnderModelChecking() {
        new ModelCheckingOptions().iterations(8).invocationsPerIteration(50).threads(3).actorsPerThread(2)
                .sequentialSpecification(ChannelLincheckTest.Model2.class).check(ChannelLincheckTest.BoundedOps.class);
    }
}
