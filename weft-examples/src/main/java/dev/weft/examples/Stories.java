package dev.weft.examples;

import java.util.List;

/**
 * The stories of the tour, in seed order.
 *
 * <p>Still to come, each beside the story of its seed once the part of weft it needs exists:
 * {@code Seed000GeneratorStory} (seed 000's async generator abandoned by {@code break}: needs
 * {@code Generator}) and {@code Seed004ChannelStory} (seed 004's producer and consumers in a
 * {@code TaskGroup}: needs {@code Channel}).
 */
public final class Stories {
    private Stories() {
    }

    /**
     * Returns a fresh instance of every story, in seed order.
     *
     * @return the stories
     */
    public static List<Story> all() {
        return List.of(
                new Seed000ServerStory(),
                // new Seed000GeneratorStory(),   -- needs dev.weft.Generator
                new Seed001LifespanStory(),
                new Seed002PoolStory(),
                new Seed003CopyOnWriteStory(),
                new Seed004DeadlineStory()
                // new Seed004ChannelStory(),     -- needs dev.weft.Channel
        );
    }
}
