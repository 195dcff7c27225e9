using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SerSsl.Training.Models;

/// <summary>
/// The whole SerSsl network: a <see cref="ChunkEncoder"/> applied to every chunk, an aggregator over the chunk
/// embeddings, the emotion head and the three pretext heads.
/// </summary>
/// <remarks>
/// <para>
/// Pre-training uses <see cref="ForwardPretext"/> (encoder, chunk-level energy and face heads, aggregator and the
/// sequence-level AU-emotion head); fine-tuning uses <see cref="ForwardEmotion"/> (encoder, aggregator, emotion head).
/// Only the encoder transfers between the two, through <see cref="SaveEncoder"/> and <see cref="LoadEncoder"/>.
/// </para>
/// <para>
/// Padded chunks (mask 0) still pass through the encoder (they are part of the <c>[B, K, m, bins]</c> batch, so in
/// training mode they take part in the batch-norm statistics; fill them with the normalised silence value), but
/// their embeddings never reach the aggregated output, and their chunk-level logits must be masked out of the loss.
/// </para>
/// </remarks>
internal sealed class SerModel : nn.Module<Tensor, Tensor, SerModelOutput>
{
    private readonly ChunkEncoder _encoder;
    private readonly nn.Module<Tensor, Tensor, Tensor> _aggregator;
    private readonly Dropout _headDropout;
    private readonly Linear _emotionHead;
    private readonly Linear _energyHead;
    private readonly Linear _faceHead;
    private readonly Linear _auEmotionHead;

    /// <summary>Creates the layers; weights come from the torch default generator (seed it first).</summary>
    /// <param name="options">The architecture; <see cref="ModelOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SerModel(ModelOptions? options = null)
        : base(nameof(SerModel))
    {
        Options = options ?? ModelOptions.Default;
        Options.Validate();
        _encoder = new ChunkEncoder(Options);
        _aggregator = Aggregators.Create(Options);
        _headDropout = nn.Dropout(Options.Dropout);
        _emotionHead = nn.Linear(Options.EmbeddingDim, Options.EmotionClasses);
        _energyHead = nn.Linear(Options.EmbeddingDim, 1);
        _faceHead = nn.Linear(Options.EmbeddingDim, 1);
        _auEmotionHead = nn.Linear(Options.EmbeddingDim, Options.AuEmotionClasses);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public ModelOptions Options { get; }

    /// <summary>The chunk encoder (the part that transfers from pre-training to fine-tuning, and exports on its own).</summary>
    public ChunkEncoder Encoder => _encoder;

    /// <summary>The aggregator, <c>([B, K, D], [B, K]) -> [B, D]</c>.</summary>
    public nn.Module<Tensor, Tensor, Tensor> Aggregator => _aggregator;

    /// <summary>The emotion head, <c>D -> EmotionClasses</c> (for the exporter).</summary>
    internal Linear EmotionHead => _emotionHead;

    /// <summary>Encodes every chunk of a batch of sequences.</summary>
    /// <param name="chunks">Normalised log-mel chunks, <c>[B, K, m, bins]</c>, float32.</param>
    /// <returns>Chunk embeddings, <c>[B, K, D]</c>.</returns>
    /// <exception cref="ArgumentException">The shape is not <c>[B, K, m, bins]</c>.</exception>
    public Tensor EncodeChunks(Tensor chunks)
    {
        if (chunks.dim() != 4)
        {
            throw new ArgumentException($"Expected chunks [B, K, {Options.ChunkFrames}, {Options.MelBins}], got [{string.Join(", ", chunks.shape)}].", nameof(chunks));
        }

        var (b, k) = (chunks.shape[0], chunks.shape[1]);
        using var flat = chunks.reshape(b * k, chunks.shape[2], chunks.shape[3]);
        using var embeddings = _encoder.forward(flat);
        return embeddings.view(b, k, Options.EmbeddingDim);
    }

    /// <summary>Combines chunk embeddings into one sequence embedding.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Sequence embeddings, <c>[B, D]</c>.</returns>
    public Tensor Aggregate(Tensor embeddings, Tensor mask) => _aggregator.forward(embeddings, mask);

    /// <summary>Emotion logits of sequence embeddings.</summary>
    /// <param name="aggregated">Sequence embeddings, <c>[B, D]</c>.</param>
    /// <returns>Logits, <c>[B, EmotionClasses]</c>.</returns>
    public Tensor EmotionLogits(Tensor aggregated)
    {
        using var dropped = _headDropout.forward(aggregated);
        return _emotionHead.forward(dropped);
    }

    /// <summary>Emotion logits from chunk embeddings: the aggregator and the emotion head (the streaming graph after the encoder).</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>.</param>
    /// <returns>Logits, <c>[B, EmotionClasses]</c>.</returns>
    public Tensor ClassifyEmbeddings(Tensor embeddings, Tensor mask)
    {
        using var aggregated = Aggregate(embeddings, mask);
        return EmotionLogits(aggregated);
    }

    /// <summary>Energy-variation logits of chunk embeddings.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <returns>Logits, <c>[B, K]</c>.</returns>
    public Tensor EnergyLogits(Tensor embeddings) => ChunkLogits(_energyHead, embeddings);

    /// <summary>Facial-activation logits of chunk embeddings.</summary>
    /// <param name="embeddings">Chunk embeddings, <c>[B, K, D]</c>.</param>
    /// <returns>Logits, <c>[B, K]</c>.</returns>
    public Tensor FaceLogits(Tensor embeddings) => ChunkLogits(_faceHead, embeddings);

    /// <summary>AU-derived emotion logits of sequence embeddings.</summary>
    /// <param name="aggregated">Sequence embeddings, <c>[B, D]</c>.</param>
    /// <returns>Logits, <c>[B, AuEmotionClasses]</c>.</returns>
    public Tensor AuEmotionLogits(Tensor aggregated)
    {
        using var dropped = _headDropout.forward(aggregated);
        return _auEmotionHead.forward(dropped);
    }

    /// <summary>Runs every part of the model.</summary>
    /// <param name="chunks">Normalised log-mel chunks, <c>[B, K, m, bins]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>All outputs.</returns>
    public override SerModelOutput forward(Tensor chunks, Tensor mask)
    {
        var embeddings = EncodeChunks(chunks);
        var aggregated = Aggregate(embeddings, mask);
        return new SerModelOutput(
            embeddings,
            aggregated,
            EmotionLogits(aggregated),
            EnergyLogits(embeddings),
            FaceLogits(embeddings),
            AuEmotionLogits(aggregated));
    }

    /// <summary>Runs the pre-training path: encoder, pretext heads (and the aggregator for the sequence-level one).</summary>
    /// <param name="chunks">Normalised log-mel chunks, <c>[B, K, m, bins]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>The pretext outputs.</returns>
    public PretextOutput ForwardPretext(Tensor chunks, Tensor mask)
    {
        var embeddings = EncodeChunks(chunks);
        var aggregated = Aggregate(embeddings, mask);
        return new PretextOutput(embeddings, aggregated, EnergyLogits(embeddings), FaceLogits(embeddings), AuEmotionLogits(aggregated));
    }

    /// <summary>Runs the fine-tuning and inference path: encoder, aggregator, emotion head.</summary>
    /// <param name="chunks">Normalised log-mel chunks, <c>[B, K, m, bins]</c>.</param>
    /// <param name="mask">Chunk mask, <c>[B, K]</c>, 1 valid and 0 padded.</param>
    /// <returns>Emotion logits, <c>[B, EmotionClasses]</c>.</returns>
    public Tensor ForwardEmotion(Tensor chunks, Tensor mask)
    {
        using var embeddings = EncodeChunks(chunks);
        return ClassifyEmbeddings(embeddings, mask);
    }

    /// <summary>Sets whether the encoder's parameters receive gradients (false freezes it for linear probing).</summary>
    /// <param name="trainable">True to train the encoder.</param>
    /// <remarks>Batch-norm statistics still update in training mode; call <c>Encoder.eval()</c> after <c>train()</c> to freeze them too.</remarks>
    public void SetEncoderTrainable(bool trainable)
    {
        foreach (var parameter in _encoder.parameters())
        {
            parameter.requires_grad = trainable;
        }
    }

    /// <summary>Writes the encoder's state (weights and batch-norm statistics) in TorchSharp's format.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public void SaveEncoder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _encoder.save(path);
    }

    /// <summary>Replaces the encoder's state with one written by <see cref="SaveEncoder"/> under equal encoder options.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an encoder state of this architecture.</exception>
    public void LoadEncoder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No encoder state at '{path}'.", path);
        }

        try
        {
            _encoder.load(path, strict: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or EndOfStreamException or IOException or InvalidOperationException)
        {
            throw new InvalidDataException(
                $"'{path}' is not an encoder state for channels [{string.Join(", ", Options.Channels)}], kernel {Options.KernelSize}, D = {Options.EmbeddingDim}: {ex.Message} Load it into a model built with the options it was saved under.",
                ex);
        }
    }

    /// <summary>A one-line description: the encoder's parameters and MFLOPs per chunk, and the whole model's parameters.</summary>
    public string Summary()
    {
        var encoder = ModelComplexity.Of(_encoder);
        var total = parameters().Sum(p => p.numel());
        return string.Create(CultureInfo.InvariantCulture, $"encoder: {encoder.Summary} per {Options.ChunkFrames}-frame chunk; model: params {total} ({Options.Aggregator} aggregator)");
    }

    private Tensor ChunkLogits(Linear head, Tensor embeddings)
    {
        using var dropped = _headDropout.forward(embeddings);
        using var logits = head.forward(dropped);
        return logits.squeeze(-1);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
            _aggregator.Dispose();
            _headDropout.Dispose();
            _emotionHead.Dispose();
            _energyHead.Dispose();
            _faceHead.Dispose();
            _auEmotionHead.Dispose();
        }

        base.Dispose(disposing);
    }
}
