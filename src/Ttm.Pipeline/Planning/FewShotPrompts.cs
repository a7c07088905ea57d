namespace Ttm.Pipeline.Planning;

/// <summary>The paper's two few-shot planning tasks (supplement Figs. 10-11), in their structure.</summary>
static class FewShotPrompts
{
    public const string Motion = """
        Task: Extract a single motion-specific prompt from the caption that describes the overall motion without including any spatial, color, size, or background details. Keep each object's name as the caption gives it.

        Caption: A large brown dog runs across a green field while a small bird flies upward in the blue sky.
        Answer: The dog runs across the field, and the bird flies upward.

        Caption: On a wooden table, the red ball rolls slowly to the right.
        Answer: The red ball rolls slowly to the right.

        Caption: The white kite rises quickly as the girl in a yellow dress walks to the left.
        Answer: The kite rises quickly, and the girl walks to the left.

        Caption: {caption}
        Answer:
        """;

    public const string Local = """
        Task: For each object mentioned in the caption, write a local prompt that describes everything about that object as mentioned in the caption. Answer in the form Answer: [[Object 1: ...] [Object 2: ...]].

        Caption: A large brown dog runs across a green field while a small bird flies upward in the blue sky.
        Answer: [[Object 1: The large brown dog runs across the field.] [Object 2: The small bird flies upward.]]

        Caption: On a wooden table, the red ball rolls slowly to the right.
        Answer: [[Object 1: The red ball rolls slowly to the right.]]

        Caption: {caption}
        Answer:
        """;
}
