using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Datasets;

/// <summary>Uploading and reading datasets in every format, through the local host over HTTP and through the Functions triggers.</summary>
public sealed class DatasetApiTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private static JsonObject Example(string q, string? expected = null, string? id = null, string? split = null, JsonObject? metadata = null)
    {
        var e = new JsonObject { ["input"] = new JsonObject { ["q"] = q } };
        if (expected is not null) e["expected"] = expected;
        if (id is not null) e["id"] = id;
        if (split is not null) e["split"] = split;
        if (metadata is not null) e["metadata"] = metadata;
        return e;
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Identical_content_returns_the_existing_version(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");

        var first = await api.UploadAsync(dataset, DatasetClient.JsonBody(Example("2+2", "4", id: "a"), Example("3+3", "6")) , DatasetClient.Json);
        // The same examples with other formatting, member order and number spelling.
        var same = """{ "examples": [ {"id":"a","expected":"4","input":{"q":"2+2"}}, {"input":{"q":"3+3"},"expected":"6"} ], "message": "again" }""";
        var second = await api.UploadAsync(dataset, same, DatasetClient.Json);
        // The same rows as CSV are the same content too.
        var third = await api.UploadAsync(dataset, "id,q,expected\na,2+2,4\n,3+3,6\n", DatasetClient.Csv);

        Assert.Equal(201, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal(200, third.Status);
        var id = first.Json["id"].Str()!;
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal(id, second.Json["id"].Str());
        Assert.Equal(id, third.Json["id"].Str());
        Assert.True(first.Json["created"]!.GetValue<bool>());
        Assert.False(second.Json["created"]!.GetValue<bool>());
        Assert.Equal(1, second.Json["sequence"]!.GetValue<int>());
        Assert.Equal($"/api/datasets/{dataset}/versions/{id}", first.Header("Location"));
        Assert.Equal($"\"{id}\"", first.Header("ETag"));
        Assert.Equal("admin", first.Json["created_by"].Str());
        Assert.Equal(2, first.Json["example_count"]!.GetValue<int>());
        Assert.Equal("json", first.Json["source_format"].Str());
        Assert.Equal(1, (await api.GetAsync($"/api/datasets/{dataset}")).Json["version_count"]!.GetValue<int>());

        var changed = await api.UploadAsync(dataset, DatasetClient.JsonBody(Example("2+2", "4", id: "a"), Example("3+3", "7")), DatasetClient.Json);
        Assert.Equal(201, changed.Status);
        Assert.Equal(2, changed.Json["sequence"]!.GetValue<int>());
        Assert.NotEqual(id, changed.Json["id"].Str());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task The_version_id_is_the_sha256_of_the_stored_canonical_lines(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        var created = await api.CreateAsync(dataset, DatasetClient.JsonBody(Example("x", id: "only")), DatasetClient.Json);

        // One example, its members sorted, no whitespace, one line feed: exactly what anyone can recompute.
        var content = "{\"id\":\"only\",\"input\":{\"q\":\"x\"}}\n";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))), created["id"].Str());
        Assert.Equal(content.Length, created["content_bytes"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Example_ids_are_kept_when_given_and_derived_from_content_otherwise(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        var created = await api.CreateAsync(dataset, DatasetClient.JsonBody(
            Example("2+2", "4"), Example("2+2", "4"), Example("2+2", "4", id: "mine"), Example("2+2", "4", split: "test")), DatasetClient.Json);

        var examples = await api.ReadAllAsync(dataset, created["id"].Str()!);
        // Documented rule: the first 32 hex digits of the SHA-256 of the example's canonical JSON without its id;
        // a repeat of the same content in the same split takes the next free suffix.
        var stem = Convert.ToHexStringLower(SHA256.HashData("{\"expected\":\"4\",\"input\":{\"q\":\"2+2\"}}"u8))[..32];
        var inTest = Convert.ToHexStringLower(SHA256.HashData("{\"expected\":\"4\",\"input\":{\"q\":\"2+2\"},\"split\":\"test\"}"u8))[..32];
        Assert.Equal([stem, $"{stem}-2", "mine", inTest], examples.Select(e => e["id"].Str()));

        // The same content in another dataset gets the same ids.
        var other = Drivers.PromptName("ds");
        var again = await api.CreateAsync(other, DatasetClient.JsonBody(Example("2+2", "4")), DatasetClient.Json);
        Assert.Equal(stem, (await api.ReadAllAsync(other, again["id"].Str()!)).Single()["id"].Str());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Csv_keeps_quoted_fields_line_breaks_and_a_bom_and_maps_columns(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        var csv = "\uFEFFid,question,context,answer,split,source\r\n" +
                  "q1,\"Capital of France, briefly?\",\"He said \"\"Paris\"\".\",Paris,train,wiki\r\n" +
                  "q2,\"Two\nlines\",,\"multi\r\nline answer\",test,\r\n" +
                  "\r\n" +
                  "q3,plain,ctx,,train,book\r\n";
        var created = await api.CreateAsync(dataset, csv, DatasetClient.Csv, "?expected_column=answer&metadata_columns=source&message=from%20csv");

        Assert.Equal("csv", created["source_format"].Str());
        Assert.Equal("from csv", created["message"].Str());
        Assert.Equal(3, created["example_count"]!.GetValue<int>());
        AssertJson("""[{"name":"test","count":1},{"name":"train","count":2}]""", created["splits"]);
        var examples = await api.ReadAllAsync(dataset, "v1");
        // Splits are stored in name order, each in upload order.
        Assert.Equal(["q2", "q1", "q3"], examples.Select(e => e["id"].Str()));
        var q1 = examples[1];
        AssertJson("""{"question":"Capital of France, briefly?","context":"He said \"Paris\"."}""", q1["input"]);
        Assert.Equal("Paris", q1["expected"].Str());
        AssertJson("""{"source":"wiki"}""", q1["metadata"]);
        Assert.Equal("train", q1["split"].Str());
        Assert.Equal(1, q1["index"]!.GetValue<int>());
        var q2 = examples[0];
        Assert.Equal("Two\nlines", q2["input"]!["question"].Str());
        Assert.Equal("", q2["input"]!["context"].Str());
        Assert.Equal("multi\r\nline answer", q2["expected"].Str());
        // An empty expected cell means no expected output.
        Assert.Null(examples[2]["expected"]);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Csv_columns_named_id_expected_and_split_take_those_roles_by_default(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        var created = await api.CreateAsync(dataset, "question,expected,split,id,lang\nhi,hello,dev,e1,en\n", DatasetClient.Csv);
        var example = (await api.ReadAllAsync(dataset, created["id"].Str()!)).Single();
        Assert.Equal("e1", example["id"].Str());
        Assert.Equal("hello", example["expected"].Str());
        Assert.Equal("dev", example["split"].Str());
        AssertJson("""{"question":"hi","lang":"en"}""", example["input"]);

        // input_columns keeps only the inputs it names; a column given a role loses its default role.
        var mapped = await api.CreateAsync(dataset, "question,expected,split,id,lang\nhi,hello,dev,e1,en\n", DatasetClient.Csv,
            "?input_columns=question,id&expected_columns=expected,lang");
        var mappedExample = (await api.ReadAllAsync(dataset, mapped["id"].Str()!)).Single();
        AssertJson("""{"question":"hi","id":"e1"}""", mappedExample["input"]);
        AssertJson("""{"expected":"hello","lang":"en"}""", mappedExample["expected"]);
        Assert.Equal("dev", mappedExample["split"].Str());
        Assert.Matches("^[0-9a-f]{32}$", mappedExample["id"].Str());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Csv_bad_rows_are_all_reported_with_their_lines_and_nothing_is_stored(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var csv = "id,q,split\n" +            // line 1
                  "a,\"two\nlines\",train\n" + // lines 2-3, fine
                  "b,short\n" +               // line 4: too few fields
                  "c,x\"y,train\n" +          // line 5: stray quote
                  "a,dup,train\n" +           // line 6: id a again
                  "d,ok,bad split!\n" +       // line 7: split name
                  "e,ok,train,extra\n" +      // line 8: too many fields
                  "f,fine,test\n";            // line 9, fine
        var response = await api.UploadAsync(dataset, csv, DatasetClient.Csv);

        Assert.Equal(422, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        var errors = response.Json["errors"]!.AsArray().Select(e => (Path: e!["path"].Str(), Message: e["message"].Str()!)).ToList();
        Assert.Equal(["line 4", "line 5", "line 6", "line 7", "line 8"], errors.Select(e => e.Path));
        Assert.Contains("different number of fields", errors[0].Message);
        Assert.Contains("quote", errors[1].Message);
        Assert.Contains("already used by line 2", errors[2].Message);
        Assert.Contains("not a valid split name", errors[3].Message);
        Assert.Equal(5, response.Json["error_count"]!.GetValue<int>());
        Assert.Contains("nothing was stored", response.Json["detail"].Str());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
        Assert.Equal(404, (await api.GetAsync($"/api/datasets/{dataset}")).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Reported_faults_are_capped_but_all_counted(string kind)
    {
        var api = hosts[kind];
        var rows = string.Concat(Enumerable.Range(0, 150).Select(i => $"{i},x,BAD SPLIT\n"));
        var response = await api.UploadAsync(Drivers.PromptName("ds"), "id,q,split\n" + rows, DatasetClient.Csv);
        Assert.Equal(422, response.Status);
        Assert.Equal(100, response.Json["errors"]!.AsArray().Count);
        Assert.Equal(150, response.Json["error_count"]!.GetValue<int>());
        Assert.Equal("line 101", response.Json["errors"]![99]!["path"].Str());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Csv_mapping_that_names_missing_columns_is_rejected(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var response = await api.UploadAsync(Drivers.PromptName("ds"), "q,a\nx,y\n", DatasetClient.Csv, "?expected_column=answer&input_columns=q,context");
        Assert.Equal(422, response.Status);
        var errors = response.Json["errors"]!.AsArray();
        Assert.Equal(["query.expected_column", "query.input_columns"], errors.Select(e => e!["path"].Str()));
        Assert.Contains("'answer' is not in the header (columns: q, a)", errors[0]!["message"].Str());

        var header = await api.UploadAsync(Drivers.PromptName("ds"), "q,q,\nx,y,z\n", DatasetClient.Csv);
        Assert.Equal(422, header.Status);
        Assert.Contains("repeats the name 'q'", header.Body);
        Assert.Contains("column 3 has no name", header.Body);

        Assert.Equal(400, (await api.UploadAsync(Drivers.PromptName("ds"), "q,a\nx,y\n", DatasetClient.Csv, "?expected_column=a&input_columns=a")).Status);
        Assert.Equal(422, (await api.UploadAsync(Drivers.PromptName("ds"), "", DatasetClient.Csv)).Status);
        Assert.Equal(422, (await api.UploadAsync(Drivers.PromptName("ds"), "q,a\n", DatasetClient.Csv)).Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Jsonl_reads_example_lines_and_flat_records(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        var jsonl = "\uFEFF{\"id\":\"e1\",\"input\":{\"q\":\"hi\",\"n\":[1,2.50]},\"expected\":{\"a\":true},\"metadata\":{\"m\":1},\"split\":\"dev\"}\r\n" +
                    "\r\n" +
                    "{\"question\":\"flat\",\"expected\":\"yes\",\"id\":7}\n" +
                    "{\"input\":\"not an object, so a flat record\"}";
        var created = await api.CreateAsync(dataset, jsonl, DatasetClient.Jsonl);
        Assert.Equal("jsonl", created["source_format"].Str());
        var examples = await api.ReadAllAsync(dataset, "v1");
        Assert.Equal(["7", examples[1]["id"].Str(), "e1"], examples.Select(e => e["id"].Str()));
        AssertJson("""{"question":"flat"}""", examples[0]["input"]);
        Assert.Equal("yes", examples[0]["expected"].Str());
        AssertJson("""{"input":"not an object, so a flat record"}""", examples[1]["input"]);
        AssertJson("""{"q":"hi","n":[1,2.5]}""", examples[2]["input"]);
        AssertJson("""{"a":true}""", examples[2]["expected"]);
        AssertJson("""{"m":1}""", examples[2]["metadata"]);

        // With a mapping, every line is a flat record, example-shaped or not.
        var mapped = await api.CreateAsync(dataset, "{\"input\":{\"q\":\"hi\"},\"gold\":\"x\"}\n", "application/jsonl", "?expected_column=gold");
        var example = (await api.ReadAllAsync(dataset, mapped["id"].Str()!)).Single();
        AssertJson("""{"input":{"q":"hi"}}""", example["input"]);
        Assert.Equal("x", example["expected"].Str());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Jsonl_bad_lines_are_reported_with_their_numbers_and_nothing_is_stored(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var jsonl = "{\"q\":\"fine\"}\n" +                       // 1
                    "{\"q\": \n" +                              // 2: broken
                    "[1,2]\n" +                                 // 3: not an object
                    "\n" +                                      // 4: blank, skipped
                    "{\"input\":{\"q\":1},\"colour\":\"red\"}\n" + // 5: a flat record (colour is no example field), fine
                    "{\"q\":1,\"q\":2}\n" +                     // 6: repeated member
                    "{\"q\":12345678901234567890}\n" +          // 7: integer beyond 2^53
                    "{\"input\":{\"q\":1},\"split\":\"no way\"}\n"; // 8: example form, bad split
        var response = await api.UploadAsync(Drivers.PromptName("ds"), jsonl, DatasetClient.Jsonl);
        Assert.Equal(422, response.Status);
        var errors = response.Json["errors"]!.AsArray().Select(e => (Path: e!["path"].Str(), Message: e["message"].Str()!)).ToList();
        Assert.Equal(["line 2", "line 3", "line 6", "line 7", "line 8"], errors.Select(e => e.Path));
        Assert.Contains("not valid JSON", errors[0].Message);
        Assert.Contains("expected a JSON object, got an array", errors[1].Message);
        Assert.Contains("Duplicate property 'q'", errors[2].Message);
        Assert.Contains("send it as a string", errors[3].Message);
        Assert.Contains("$.split", errors[4].Message);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Jsonl_numbers_beyond_the_double_range_and_text_that_is_not_unicode_are_faults_of_their_lines(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var jsonl = "{\"q\":\"fine\"}\n" +                                        // 1
                    "{\"q\":1e400}\n" +                                           // 2: flat record, number beyond range
                    "{\"input\":{\"q\":\"x\"},\"expected\":-1e999}\n" +            // 3: example form
                    "{\"input\":{\"q\":\"\\ud800\"}}\n" +                          // 4: lone surrogate escape
                    "{\"input\":{\"q\":\"x\"},\"metadata\":{\"\\udc00\":1}}\n" +    // 5: lone surrogate in a member name
                    "{\"q\":\"fine too\"}\n";                                      // 6
        var response = await api.UploadAsync(Drivers.PromptName("ds"), jsonl, DatasetClient.Jsonl);
        Assert.Equal(422, response.Status);
        var errors = response.Json["errors"]!.AsArray().Select(e => (Path: e!["path"].Str(), Message: e["message"].Str()!)).ToList();
        Assert.Equal(["line 2", "line 3", "line 4", "line 5"], errors.Select(e => e.Path));
        Assert.StartsWith("$.q: the number 1e400 is outside the range", errors[0].Message);
        Assert.StartsWith("$.expected: the number -1e999", errors[1].Message);
        Assert.StartsWith("$.input.q: is not Unicode text", errors[2].Message);
        Assert.StartsWith(@"$.metadata['\udc00']: the member name is not Unicode text", errors[3].Message);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Bytes_that_are_not_utf8_are_faults_with_their_path_in_every_json_body(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        // 0xED 0xA0 0x80 is a UTF-16 surrogate written as UTF-8, which UTF-8 forbids; 0xFF never occurs in UTF-8.
        static MemoryStream Body(string before, byte[] bad, string after) =>
            new([.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)]);

        var version = await api.SendStreamAsync(HttpMethod.Post, $"/api/prompts/{Drivers.PromptName("raw")}/versions",
            Body("{\"version\":{\"template\":\"a", [0xED, 0xA0, 0x80], "b\"}}"), "application/json");
        Assert.True(version.Status == 422, version.ToString());
        Assert.Contains("$.version.template: is not Unicode text", version.Json["detail"].Str());

        var json = await api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("ds")}/versions",
            Body("{\"examples\":[{\"input\":{\"", [0xFF], "\":1}}]}"), DatasetClient.Json);
        Assert.True(json.Status == 422, json.ToString());
        Assert.Equal("$.examples[0].input['\uFFFD']", json.Json["errors"]![0]!["path"].Str());

        var jsonl = await api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("ds")}/versions",
            Body("{\"q\":\"", [0xC3], "\"}\n"), DatasetClient.Jsonl);
        Assert.True(jsonl.Status == 422, jsonl.ToString());
        Assert.Equal("line 1", jsonl.Json["errors"]![0]!["path"].Str());
        Assert.StartsWith("$.q: is not Unicode text", jsonl.Json["errors"]![0]!["message"].Str());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Json_body_faults_carry_json_paths(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var body = """{"examples":[{"input":{"q":1}},{"input":"text"},{"id":"x","input":{},"extra":1},{"id":"x","input":{}},42],"colour":"red"}""";
        var response = await api.UploadAsync(Drivers.PromptName("ds"), body, DatasetClient.Json);
        Assert.Equal(422, response.Status);
        var paths = response.Json["errors"]!.AsArray().Select(e => e!["path"].Str()).ToList();
        Assert.Equal(["$.examples[1].input", "$.examples[2].extra", "$.examples[4]", "$.colour"], paths);

        Assert.Equal(400, (await api.UploadAsync(Drivers.PromptName("ds"), """{"examples":[{"input":{}}""", DatasetClient.Json)).Status);
        Assert.Equal(400, (await api.UploadAsync(Drivers.PromptName("ds"), """{"examples":[],"examples":[]}""", DatasetClient.Json)).Status);
        Assert.Equal(422, (await api.UploadAsync(Drivers.PromptName("ds"), """{"examples":[]}""", DatasetClient.Json)).Status);
        Assert.Equal(422, (await api.UploadAsync(Drivers.PromptName("ds"), """{"message":"no examples"}""", DatasetClient.Json)).Status);
        Assert.Equal(422, (await api.UploadAsync(Drivers.PromptName("ds"), """[{"input":{}}]""", DatasetClient.Json)).Status);
        Assert.Equal(400, (await api.UploadAsync(Drivers.PromptName("ds"), """{"examples":[{"input":{}}]}""", DatasetClient.Json, "?input_columns=q")).Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Multipart_takes_one_file_part_and_form_fields(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        const string boundary = "----pf-boundary-7d1";
        var form = DatasetClient.Multipart(boundary,
            ("message", null, null, "from a form"),
            ("file", "qa.csv", "text/csv", "q,expected\n\"a, b\",c\n"),
            ("description", null, null, "questions and answers"));
        var created = await api.CreateAsync(dataset, form, $"multipart/form-data; boundary={boundary}");
        Assert.Equal("csv", created["source_format"].Str());
        Assert.Equal("from a form", created["message"].Str());
        Assert.Equal("questions and answers", (await api.GetAsync($"/api/datasets/{dataset}")).Json["description"].Str());
        var example = (await api.ReadAllAsync(dataset, "v1")).Single();
        Assert.Equal("a, b", example["input"]!["q"].Str());

        // Without a usable part type, the file name decides.
        var jsonl = DatasetClient.Multipart(boundary, ("file", "rows.jsonl", "application/octet-stream", "{\"q\":\"z\"}\n"));
        Assert.Equal("jsonl", (await api.CreateAsync(dataset, jsonl, $"multipart/form-data; boundary={boundary}"))["source_format"].Str());

        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var two = DatasetClient.Multipart(boundary, ("a", "a.csv", "text/csv", "q\nx\n"), ("b", "b.csv", "text/csv", "q\ny\n"));
        Assert.Equal(400, (await api.UploadAsync(dataset, two, $"multipart/form-data; boundary={boundary}")).Status);
        var none = DatasetClient.Multipart(boundary, ("message", null, null, "no file"));
        Assert.Equal(400, (await api.UploadAsync(dataset, none, $"multipart/form-data; boundary={boundary}")).Status);
        var text = DatasetClient.Multipart(boundary, ("file", "notes.txt", null, "q\nx\n"));
        Assert.Equal(415, (await api.UploadAsync(dataset, text, $"multipart/form-data; boundary={boundary}")).Status);
        var badRows = DatasetClient.Multipart(boundary, ("file", "bad.csv", "text/csv", "q,a\nx\n"));
        var rejected = await api.UploadAsync(dataset, badRows, $"multipart/form-data; boundary={boundary}");
        Assert.Equal(422, rejected.Status);
        Assert.Equal("line 2", rejected.Json["errors"]![0]!["path"].Str());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Splits_are_counted_and_read_in_pages_with_cursors(string kind)
    {
        var api = hosts[kind];
        var dataset = Drivers.PromptName("ds");
        // Interleaved: 150 train, 70 test, 30 without a split.
        var rows = Enumerable.Range(0, 250).Select(i => Example($"q{i}", id: $"r{i}", split: (i % 25) switch { < 15 => "train", < 22 => "test", _ => null })).ToArray();
        var created = await api.CreateAsync(dataset, DatasetClient.JsonBody(rows), DatasetClient.Json);
        Assert.Equal(250, created["example_count"]!.GetValue<int>());
        AssertJson("""[{"name":"test","count":70},{"name":"train","count":150}]""", created["splits"]);

        var test = await api.ReadAllAsync(dataset, created["id"].Str()!, "test", limit: 30);
        Assert.Equal(rows.Where(r => r["split"].Str() == "test").Select(r => r["id"].Str()), test.Select(e => e["id"].Str()));
        Assert.Equal(Enumerable.Range(30, 70).Select(i => (long)i), test.Select(e => e["index"]!.GetValue<long>()));

        var all = await api.ReadAllAsync(dataset, "v1", limit: 17);
        var expectedOrder = rows.Where(r => r["split"] is null).Concat(rows.Where(r => r["split"].Str() == "test")).Concat(rows.Where(r => r["split"].Str() == "train"));
        Assert.Equal(expectedOrder.Select(r => r["id"].Str()), all.Select(e => e["id"].Str()));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (long)i), all.Select(e => e["index"]!.GetValue<long>()));

        var first = await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?split=train&limit=1000");
        Assert.Equal(150, first.Json["data"]!.AsArray().Count);
        Assert.Null(first.Json["next_cursor"]);
        Assert.Equal(404, (await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?split=validation")).Status);
        Assert.Equal(400, (await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?split=bad%20name")).Status);
        Assert.Equal(400, (await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?limit=100000")).Status);
        Assert.Equal(400, (await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?cursor=%%%")).Status);
    }

    // Not on the Functions host: it needs storage holding nothing but its own data (listings count every item),
    // i.e. a host of its own, which costs seconds to start (tens of seconds on a loaded machine). Example pages with
    // limit and cursor go through the real host in the other tests here; paging is the handlers' own.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Datasets_and_versions_are_listed_and_served(string kind)
    {
        await using var api = await Drivers.StartAsync(kind);
        foreach (var name in new[] { "gamma", "alpha", "beta" })
            await api.CreateAsync(name, DatasetClient.JsonBody(Example(name)), DatasetClient.Json);
        for (var i = 0; i < 3; i++)
            await api.CreateAsync("alpha", DatasetClient.JsonBody(Example("alpha"), Example($"more {i}")), DatasetClient.Json);

        var page1 = await api.GetAsync("/api/datasets?limit=2");
        Assert.Equal(["alpha", "beta"], page1.Json["data"]!.AsArray().Select(d => d!["name"].Str()));
        var page2 = await api.GetAsync($"/api/datasets?limit=2&cursor={page1.Json["next_cursor"].Str()}");
        Assert.Equal(["gamma"], page2.Json["data"]!.AsArray().Select(d => d!["name"].Str()));
        Assert.Null(page2.Json["next_cursor"]);

        var alpha = (await api.GetAsync("/api/datasets/alpha")).Json;
        Assert.Equal(4, alpha["version_count"]!.GetValue<int>());
        Assert.Equal(4, alpha["latest"]!["sequence"]!.GetValue<int>());
        Assert.Equal(2, alpha["latest"]!["example_count"]!.GetValue<int>());

        var versions1 = await api.GetAsync("/api/datasets/alpha/versions?limit=3");
        Assert.Equal([4, 3, 2], versions1.Json["data"]!.AsArray().Select(v => v!["sequence"]!.GetValue<int>()));
        var versions2 = await api.GetAsync($"/api/datasets/alpha/versions?limit=3&cursor={versions1.Json["next_cursor"].Str()}");
        Assert.Equal([1], versions2.Json["data"]!.AsArray().Select(v => v!["sequence"]!.GetValue<int>()));

        var byNumber = await api.GetAsync("/api/datasets/alpha/versions/v2");
        var id = byNumber.Json["id"].Str()!;
        var byId = await api.GetAsync($"/api/datasets/alpha/versions/{id}");
        Assert.Equal(byNumber.Body, byId.Body);
        Assert.Equal("private, max-age=31536000, immutable", byId.Header("Cache-Control"));
        Assert.Equal(304, (await api.GetAsync($"/api/datasets/alpha/versions/{id}", headers: new Dictionary<string, string> { ["If-None-Match"] = $"\"{id}\"" })).Status);

        Assert.Equal(404, (await api.GetAsync("/api/datasets/nobody")).Status);
        Assert.Equal(404, (await api.GetAsync("/api/datasets/nobody/versions")).Status);
        Assert.Equal(404, (await api.GetAsync("/api/datasets/alpha/versions/v9")).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/datasets/alpha/versions/{new string('a', 64)}/examples")).Status);
        Assert.Equal(400, (await api.GetAsync("/api/datasets/alpha/versions/v0")).Status);
        Assert.Equal(400, (await api.GetAsync("/api/datasets/Alpha")).Status);
        Assert.Equal(401, (await api.GetAsync("/api/datasets", key: null)).Status);
        Assert.Equal(403, (await api.UploadAsync("alpha", DatasetClient.JsonBody(Example("z")), DatasetClient.Json, key: TestKeys.Reader)).Status);
        Assert.Equal(200, (await api.GetAsync("/api/datasets/alpha/versions/v1/examples", key: TestKeys.Reader)).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Wrong_content_types_are_415_and_change_nothing(string kind)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        foreach (var type in new[] { "text/plain", "application/xml", "text/csv; charset=utf-16", "not a media type" })
        {
            var response = await api.SendAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("ds")}/versions", "q\nx\n", contentType: null,
                headers: new Dictionary<string, string> { ["Content-Type"] = type });
            Assert.True(response.Status == 415, $"{type}: {response}");
            Assert.StartsWith("application/problem+json", response.ContentType);
        }
        Assert.Equal(415, (await api.UploadAsync(Drivers.PromptName("ds"), "q\nx\n", contentType: null)).Status);
        Assert.Equal(400, (await api.UploadAsync("Bad%20Name", "q\nx\n", DatasetClient.Csv)).Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Uploads_over_the_limit_are_413_with_or_without_a_content_length(string kind)
    {
        await using var api = await Drivers.StartAsync(kind, new Dictionary<string, string?> { ["Datasets:MaxUploadBytes"] = "4096" });
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var big = "q\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"row {i}\n"));

        var declared = await api.UploadAsync("big", big, DatasetClient.Csv);
        Assert.Equal(413, declared.Status);
        Assert.Contains("Datasets:MaxUploadBytes", declared.Body);

        // Chunked: the limit holds on the bytes actually read, and what was staged so far is discarded.
        var streamed = await api.SendStreamAsync(HttpMethod.Post, "/api/datasets/big/versions", new MemoryStream(Encoding.UTF8.GetBytes(big)), DatasetClient.Csv);
        Assert.Equal(413, streamed.Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        Assert.Equal(201, (await api.UploadAsync("small", "q\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"r{i}\n")), DatasetClient.Csv)).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Uploads_are_not_bound_by_the_json_body_limit(string kind)
    {
        var twoMiB = "q\n" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"r{i:D8}\n"));
        var created = await hosts[kind].CreateAsync(Drivers.PromptName("ds"), twoMiB, DatasetClient.Csv);
        Assert.Equal(200_000, created["example_count"]!.GetValue<int>());
    }
}
