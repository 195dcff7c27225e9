using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;
using SerSsl.TestSupport;
using SerSsl.Training.Export;
using SerSsl.Training.Models;
using SerSsl.Training.Tests.Synthesis;

namespace SerSsl.Training.Tests.Export;

/// <summary>
/// The ONNX format subset against the specification and against ONNX Runtime, which compiles the real onnx.proto:
/// what we write, ONNX Runtime reads back field for field; what the specification's field numbers encode, we parse.
/// </summary>
public sealed class OnnxFormatTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("onnx-format");

    public void Dispose() => SynthTestSupport.DeleteQuietly(_dir);

    [Fact]
    public void Parse_BytesEncodedByHandFromTheSpecification_ReadsEveryField()
    {
        // ModelProto, fields in number order as protobuf writes them: ir_version (1) = 8, producer_name (2) = "p",
        // graph (7) = { name (2) = "g", input (11) = { name (1) = "x", type (2) = { tensor_type (1) = { elem_type (1) = 1,
        // shape (2) = { dim (1) = { dim_param (2) = "batch" }, dim (1) = { dim_value (1) = 64 } } } } } },
        // opset_import (8) = { domain (1) = "", version (2) = 17 }, metadata_props (14) = { key (1) = "k", value (2) = "v" }.
        byte[] bytes =
        [
            0x08, 0x08,
            0x12, 0x01, (byte)'p',
            0x3A, 0x1D, 0x12, 0x01, (byte)'g',
            0x5A, 0x18, 0x0A, 0x01, (byte)'x', 0x12, 0x13, 0x0A, 0x11, 0x08, 0x01, 0x12, 0x0D,
            0x0A, 0x07, 0x12, 0x05, (byte)'b', (byte)'a', (byte)'t', (byte)'c', (byte)'h',
            0x0A, 0x02, 0x08, 0x40,
            0x42, 0x04, 0x0A, 0x00, 0x10, 0x11,
            0x72, 0x06, 0x0A, 0x01, (byte)'k', 0x12, 0x01, (byte)'v',
        ];

        var model = ModelProto.Parser.ParseFrom(bytes);

        Assert.Equal(8, model.IrVersion);
        Assert.Equal("p", model.ProducerName);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
        Assert.Equal("g", model.Graph.Name);
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("x", input.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(64, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(("k", "v"), (model.MetadataProps[0].Key, model.MetadataProps[0].Value));
        Assert.Equal(bytes, model.ToByteArray());
    }

    [Fact]
    public void Write_AttributeAndTensor_UseTheSpecificationsFieldNumbers()
    {
        var attribute = OnnxGraphBuilder.Ints("axes", 2, 3);
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(1, 2, 3, 4) };
        tensor.Dims.Add(1);

        // name (1), ints (8, unpacked varints as ONNX declares them), type (20) = INTS (7).
        Assert.Equal(new byte[] { 0x0A, 0x04, (byte)'a', (byte)'x', (byte)'e', (byte)'s', 0x40, 0x02, 0x40, 0x03, 0xA0, 0x01, 0x07 }, attribute.ToByteArray());

        // dims (1), data_type (2) = FLOAT (1), raw_data (9).
        Assert.Equal(new byte[] { 0x08, 0x01, 0x10, 0x01, 0x4A, 0x04, 1, 2, 3, 4 }, tensor.ToByteArray());
    }

    [Fact]
    public void Export_OnnxRuntimeReadsProducerMetadataNamesAndSymbolicDimensions()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.SelfAttention);
        var bundle = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir).Bundle;

        using var encoder = new InferenceSession(bundle.EncoderPath);
        using var aggregator = new InferenceSession(bundle.AggregatorPath);

        Assert.Equal(OnnxExport.ProducerName, encoder.ModelMetadata.ProducerName);
        Assert.Equal("serssl_chunk_encoder", encoder.ModelMetadata.GraphName);
        Assert.Equal("ANG,DIS,FEA,HAP,NEU,SAD", aggregator.ModelMetadata.CustomMetadataMap["serssl.labels"]);
        Assert.Equal("aggregator", aggregator.ModelMetadata.CustomMetadataMap["serssl.graph"]);
        Assert.Equal([-1, 100, 64], encoder.InputMetadata["chunks"].Dimensions);
        Assert.Equal(["batch", string.Empty, string.Empty], encoder.InputMetadata["chunks"].SymbolicDimensions);
        Assert.Equal([-1, 16], encoder.OutputMetadata["embeddings"].Dimensions);
        Assert.Equal(["batch", "chunks", string.Empty], aggregator.InputMetadata["embeddings"].SymbolicDimensions);
        Assert.Equal(["batch", "chunks"], aggregator.InputMetadata["mask"].SymbolicDimensions);
        Assert.Equal(["probabilities", "logits"], aggregator.OutputNames);
        Assert.Equal([-1, 6], aggregator.OutputMetadata["probabilities"].Dimensions);
    }

    [Fact]
    public void OnnxCompatibility_NewestVersions_OnnxRuntimeLoadsThemAndRefusesTheNext()
    {
        using var model = ExportTestSupport.Model(AggregatorKind.Mean);
        var bundle = BundleWriter.Write(model, ExportTestSupport.Spec(model), _dir).Bundle;
        var original = ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.AggregatorPath));

        string Stamped(long ir, long opset)
        {
            var copy = original.Clone();
            copy.IrVersion = ir;
            copy.OpsetImport[0].Version = opset;
            var path = Path.Combine(_dir, $"ir{ir}-opset{opset}.onnx");
            File.WriteAllBytes(path, copy.ToByteArray());
            return path;
        }

        using (new InferenceSession(Stamped(OnnxCompatibility.MaximumIrVersion, OnnxCompatibility.MaximumOpset)))
        {
        }

        Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Stamped(OnnxCompatibility.MaximumIrVersion, OnnxCompatibility.MaximumOpset + 1)).Dispose());
        Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Stamped(OnnxCompatibility.MaximumIrVersion + 1, OnnxCompatibility.MaximumOpset)).Dispose());
    }
}
