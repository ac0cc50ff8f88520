using System.Text;
using CsCheck;
using PromptFunctions.Tests.Datasets;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, family 4: a multipart upload that is cut short, has no boundary in its body, or a boundary other than
/// the header's, is a 4xx problem that says what is wrong, and nothing is stored; never a 500.
/// </summary>
public sealed class MalformedMultipartTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private const string Boundary = "pf-boundary-7d1c";
    private const string FormType = "multipart/form-data; boundary=" + Boundary;

    private static readonly string Valid = DatasetClient.Multipart(Boundary,
        ("message", null, null, "first upload"),
        ("file", "rows.csv", "text/csv", "question,expected\nq1,a1\nq2,a2\n"));

    public sealed record Case(string Name, string Body, string ContentType, int Status, string DetailContains)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] Cases =
    [
        new("cut inside the file part", Valid[..(Valid.IndexOf("q1,a1", StringComparison.Ordinal) + 3)], FormType, 400, "multipart body is malformed"),
        new("cut before the closing boundary", Valid[..Valid.LastIndexOf("--" + Boundary, StringComparison.Ordinal)], FormType, 400, "multipart body is malformed"),
        new("cut inside the part headers", Valid[..(Valid.IndexOf("filename", StringComparison.Ordinal) + 4)], FormType, 400, "multipart body is malformed"),
        new("cut after the first boundary line", "--" + Boundary + "\r\n", FormType, 400, "Content-Disposition"),
        new("no boundary in the body", "question,expected\nq1,a1\n", FormType, 400, "multipart body is malformed"),
        new("empty body", "", FormType, 400, "multipart body"),
        new("boundary other than the header's", Valid.Replace(Boundary, "someone-else", StringComparison.Ordinal), FormType, 400, "multipart body is malformed"),
        new("boundary that differs in its last character", Valid.Replace(Boundary, Boundary[..^1] + "x", StringComparison.Ordinal), FormType, 400, "multipart body is malformed"),
        new("no boundary parameter", Valid, "multipart/form-data", 400, "boundary parameter"),
        new("boundary parameter too long", Valid, "multipart/form-data; boundary=" + new string('b', 71), 400, "boundary parameter"),
        new("part without a blank line after its headers", "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nq\nx\n--" + Boundary + "--\r\n", FormType, 400, "multipart body is malformed"),
        new("part headers longer than the limit", "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"" + new string('n', 20_000) + "\"\r\n\r\nx\r\n--" + Boundary + "--\r\n", FormType, 400, "multipart body is malformed"),
        new("part without content disposition", "--" + Boundary + "\r\nContent-Type: text/csv\r\n\r\nq\nx\r\n--" + Boundary + "--\r\n", FormType, 400, "Content-Disposition"),
    ];

    public static TheoryData<string, Case> All()
    {
        var data = new TheoryData<string, Case>();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
        {
            foreach (var c in Cases) data.Add(kind, c);
        }
        return data;
    }

    [Theory, MemberData(nameof(All))]
    public async Task Malformed_multipart_gets_a_problem_and_stores_nothing(string kind, Case c)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("mp");
        var before = await api.Storage.SnapshotAsync();

        var response = await api.UploadAsync(dataset, c.Body, c.ContentType);

        Assert.True(response.Status == c.Status, $"{c.Name}: {response}");
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.Contains(c.DetailContains, response.Json["detail"]!.GetValue<string>());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
        Assert.Equal(404, (await api.GetAsync($"/api/datasets/{dataset}")).Status);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_streamed_multipart_body_that_ends_early_is_a_problem(string kind)
    {
        var api = hosts[kind];
        var bytes = Encoding.UTF8.GetBytes(Valid[..(Valid.Length / 2)]);

        var response = await api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("mps")}/versions", new MemoryStream(bytes), FormType);

        Assert.Equal(400, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
    }

    /// <summary>Parts built from the pieces a multipart reader trips on, then often cut, spliced or re-bounded.</summary>
    private static readonly Gen<string> Part = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf("file", "message", "description", "other", ""), Gen.OneOf("rows.csv", "rows.jsonl", "rows.json", "notes.txt", "", null),
            Gen.OneOf("text/csv", "application/x-ndjson", "application/json", "application/octet-stream", "text/plain; charset=latin1", "garbage", null),
            Gen.OneOf("q,expected\nx,y\n", "{\"q\":1}\n", "{\"examples\":[{\"input\":{\"q\":1}}]}", "", "\r\n", "--", "q\n\"unterminated\n"))
            .Select((name, file, type, content) =>
                "Content-Disposition: form-data; name=\"" + name + "\"" + (file is null ? "" : "; filename=\"" + file + "\"") + "\r\n" +
                (type is null ? "" : "Content-Type: " + type + "\r\n") + "\r\n" + content + "\r\n")),
        (1, Gen.OneOf("Content-Disposition: attachment\r\n\r\nx\r\n", "\r\n\r\n", "Content-Disposition: form-data; name=file; filename=a.csv\r\nq\nx", "X: " + new string('h', 300) + "\r\n\r\n")));

    private static readonly Gen<(string Body, string ContentType)> Form = Gen.Select(Part.Array[0, 4], Gen.Int[0, 4], Gen.Int[0, 10_000], Gen.OneOf(Boundary, "other", "pf-boundary-7d1", "a b", ""))
        .Select((parts, damage, at, bodyBoundary) =>
        {
            var body = new StringBuilder();
            foreach (var part in parts) body.Append("--").Append(bodyBoundary).Append("\r\n").Append(part);
            body.Append("--").Append(bodyBoundary).Append("--\r\n");
            var text = body.ToString();
            var cut = text.Length == 0 ? 0 : at % text.Length;
            var damaged = damage switch
            {
                0 => text[..cut],
                1 => text[..cut] + "\r\n--" + Boundary + "\r\n" + text[cut..],
                2 => text.Replace("\r\n", "\n", StringComparison.Ordinal),
                _ => text,
            };
            return (damaged, damage == 4 ? "multipart/form-data; boundary=\"" + Boundary + "\"" : FormType);
        });

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Any_multipart_body_is_accepted_or_rejected_with_a_problem(string kind)
    {
        var api = hosts[kind];
        await Form.SampleAsync(async form =>
        {
            var response = await api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("mpf")}/versions",
                new MemoryStream(Encoding.UTF8.GetBytes(form.Body)), form.ContentType);
            Assert.True(response.Status < 500, response.ToString());
            if (response.Status >= 400)
            {
                Assert.StartsWith("application/problem+json", response.ContentType);
                Assert.False(string.IsNullOrWhiteSpace(response.Json["detail"]?.GetValue<string>()), response.Body);
            }
        }, iter: 150, threads: 1);
    }
}
