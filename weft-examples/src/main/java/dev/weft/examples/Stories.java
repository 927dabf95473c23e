package dev.weft.examples;

import java.util.List;

/**
 * The stories of the tour ({@code docs/stories.md}), in number order.
 *
 * <p>Numbers 000 and 004 tell two stories each: the server and the generator for 000, the shared
 * deadline and the producer/consumer for 004.
 */
public final class Stories {
    private Stories() {
    }

    /**
     * Returns a fresh instance of every story, in number order.
     *
     * @return the stories
     */
    public static List<Story> all() {
        return List.of(
                new Seed000ServerStory(),
                new Seed000GeneratorStory(),
                new Seed001LifespanStory(),
                new Seed002PoolStory(),
                new Seed003CopyOnWriteStory(),
                new Seed004DeadlineStory(),
                new Seed004ChannelStory(),
                new BridgesStory()
        );
    }
}
