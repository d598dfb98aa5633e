"""Answer shapes and span selection: table-driven over the question words and the clause structures of notices.

The passages are written for these tests in the style of policy notices (not taken from the dev set).
"""
import pytest

from assistant.answering.question import analyze
from assistant.answering.shape import announces, focus_terms, is_boilerplate, is_heading, item_kind, rules, shape_of
from assistant.answering.span_select import select_spans
from assistant.types import Chunk, Evidence, Hit

SHAPES = [
    ("某市对受疫情影响的小微企业有哪些扶持措施？", "measure"),
    ("企业如何申请稳岗返还？", "measure"),
    ("社保费缓缴怎么办理？", "measure"),
    ("市税务局采取了什么措施保障办税？", "measure"),
    ("该通知对复工企业提出了什么要求？", "measure"),
    ("申请一次性吸纳就业补助需要满足什么条件？", "condition"),
    ("哪些情形可以延期申报？", "condition"),
    ("哪个部门负责受理投诉？", "entity"),
    ("由谁承担隔离费用？", "entity"),
    ("补贴资金主要用于哪些方面？", "list"),
    ("停诊的科室包括哪几个？", "list"),
    ("申报期限延长到什么时候？", "date"),
    ("零收费政策的执行期限是怎样的？", "date"),
    ("逾期申报是否会被处罚？", "yesno"),
    ("外地车辆能否进入本市？", "yesno"),
    ("“非接触式”办税是什么？", "definition"),
    ("热线电话是多少？", "figure"),
    ("共拨付资金多少亿元？", "figure"),
    ("绿色通道是协调哪几个部门开辟的？", "entity"),
    ("春耕备播的要求是什么？", "measure"),  # the substance of a rule, not a definition
    ("延长缴费期内缴费的政策是什么？", "measure"),
    ("什么是密切接触者？", "definition"),
    ("How many cases were handled?", "figure"),
    ("Which measures were taken?", "list"),
]


@pytest.mark.parametrize("question,shape", SHAPES)
def test_shape_of_question(question, shape):
    assert shape_of(analyze(question)) == shape


@pytest.mark.parametrize("text,kind,heading", [
    ("一是办理好出行登记", "shi", False),
    ("二要加快项目开工", "shi", False),
    ("四、实施援企稳岗政策。", "dun", True),
    ("（十八）依法加强权益保障。", "paren", True),
    ("（3）肺功能检测", "paren_digit", True),
    ("4.补贴小微企业研发成本。", "digit", True),
    ("2020年1月1日起执行", None, False),
    ("3.5亿元用于补助", None, False),
    ("①线上办理", "circled", True),
    ("四、实施援企稳岗政策，疫情期间返还失业保险费", "dun", False),
])
def test_item_marks_and_headings(text, kind, heading):
    assert item_kind(text) == kind
    assert is_heading(text) == heading


@pytest.mark.parametrize("text,expected", [("具体包括", True), ("现公布如下：", True), ("即", True), ("开辟绿色通道", False)])
def test_announcing_clauses(text, expected):
    assert announces(text) == expected


def _window(text: str, needle: str) -> Evidence:
    """The evidence window over ``needle`` (its clause) inside its sentence, as the answerer scores it."""
    chunk = Chunk("notice.txt", 100, 100 + len(text), text)
    s = text.index(needle)
    e = s + len(needle)
    sent_s = max(text.rfind(ch, 0, s) for ch in "。；\n") + 1
    ends = [i for i in (text.find(ch, e) for ch in "。；\n") if i >= 0]
    sent_e = min(ends) + 1 if ends else len(text)
    return Evidence(Hit(chunk, 1.0), 100 + s, 100 + e, 0, (100 + sent_s, 100 + sent_e))


NOTICE = (
    "关于支持企业复工复产的若干措施\n"
    "三、减轻企业负担。对受疫情影响的中小企业，一是减免房租，二是缓缴社会保险费；三是给予贷款贴息。\n"
    "四、优化政务服务。市政务服务中心开通网上办理渠道，企业可通过“一网通办”平台提交材料。\n"
    "五、加强组织保障。各区要压实责任。"
)
CONDITIONS = (
    "（二）吸纳就业补助。\n"
    "对生产防疫物资的企业，在疫情期间新招用员工的，按每人1000元给予一次性补助。\n"
    "（三）稳岗返还。不裁员的参保企业，返还上年度失业保险费的50%。"
)
ITEMS = (
    "为做好疫情防控，市卫健委要求：一是加强发热门诊管理，严格预检分诊；二是落实隔离观察措施；"
    "三是做好医务人员防护。会议还研究了其他事项。"
)
SPANS = [
    # the window restates the subject; the measures follow in the same sentence and its ；-items
    ("中小企业有哪些减负措施？", NOTICE, "对受疫情影响的中小企业",
     ["对受疫情影响的中小企业，一是减免房租，二是缓缴社会保险费", "三是给予贷款贴息。"], "四、优化"),
    # a heading that only names the topic: the answer is the sentence under it, and stops at the next heading
    ("吸纳就业补助有何规定？", CONDITIONS, "（二）吸纳就业补助",
     ["对生产防疫物资的企业，在疫情期间新招用员工的，按每人1000元给予一次性补助。"], "稳岗返还"),
    # an announced enumeration runs across its items and stops at the next topic
    ("市卫健委对疫情防控提出了什么要求？", ITEMS, "市卫健委要求",
     ["一是加强发热门诊管理，严格预检分诊", "二是落实隔离观察措施", "三是做好医务人员防护。"],
     "其他事项"),
    # a fact question keeps to its sentence
    ("企业通过什么平台提交材料？", NOTICE, "企业可通过“一网通办”平台提交材料",
     ["市政务服务中心开通网上办理渠道，企业可通过“一网通办”平台提交材料。"], "五、"),
]


@pytest.mark.parametrize("question,text,needle,expected,absent", SPANS)
def test_span_selection(question, text, needle, expected, absent):
    spans = select_spans(analyze(question), _window(text, needle))
    quotes = [e.text for e in spans]
    assert quotes == expected
    for e in spans:  # verbatim slices of the passage, one per item
        assert text[e.start - 100 : e.end - 100] == e.text
        assert e.citation().quote == e.text
    assert all(absent not in q for q in quotes)


def test_the_next_item_of_the_windows_series_is_the_next_topic():
    text = "一要加快企业复工。开展精准帮扶，优化审批程序，确保3月份全面复工。二要整改突出问题。"
    spans = select_spans(analyze("如何加快企业复工？"), _window(text, "一要加快企业复工"))
    assert [e.text for e in spans] == ["开展精准帮扶，优化审批程序，确保3月份全面复工。"]


def test_long_answers_are_capped_at_a_clause_boundary():
    clause = "对符合条件的企业给予补贴"
    cap = rules().list_max_chars
    text = "企业可享受以下支持：" + "，".join(f"{clause}{i}" for i in range(cap // 10)) + "。"
    spans = select_spans(analyze("企业可享受哪些支持？"), _window(text, "企业可享受以下支持"))
    total = sum(len(e.text) for e in spans)
    assert cap / 2 < total <= cap
    assert spans[-1].text.endswith(tuple("0123456789"))  # ends at a clause, not mid-word


NOTICE_FILE = (
    "某市人力资源和社会保障局关于支持企业稳定就业的通知\n"
    "各区人力资源和社会保障局：\n"
    "为减轻疫情对企业的影响，现就有关事项通知如下。\n"
    "一、稳岗返还。对不裁员或少裁员的参保企业，返还其上年度实际缴纳失业保险费的50%；"
    "对受疫情影响面临暂时性生产经营困难的企业，返还标准按6个月的当地月人均失业保险金确定；"
    "对30人以下的小微企业，参照困难企业标准执行。\n"
    "二、就业补助。对新招用员工的防疫物资生产企业，按每人1000元给予一次性吸纳就业补助。\n"
    "三、办理渠道。企业可通过网上办事大厅、手机客户端等线上渠道申请，无需到窗口办理。\n"
    "某市人力资源和社会保障局\n2020年2月10日\n"
)


@pytest.fixture
def notice_assistant(fake_settings, tmp_path):
    from assistant.assistant import Assistant

    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_FILE, encoding="utf-8")
    assistant = Assistant(fake_settings)
    assert assistant.index([path]).ok
    return assistant, NOTICE_FILE


def test_measure_question_quotes_the_measures_one_citation_per_item(notice_assistant):
    assistant, text = notice_assistant
    answer = assistant.ask("稳岗返还有哪些措施？")
    assert not answer.refused
    assert len(answer.citations) == 3  # the three ；-separated measures, each cited
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
    assert "50%" in answer.text and "6个月" in answer.text and "30人以下" in answer.text
    assert "就业补助" not in answer.text  # stops at the next heading
    assert answer.text.splitlines()[0].endswith("[1]") and len(answer.text.splitlines()) == 3


def test_heading_subject_is_followed_by_its_body_not_the_signature(notice_assistant):
    assistant, _text = notice_assistant
    answer = assistant.ask("企业通过哪些渠道申请？")
    assert "网上办事大厅" in answer.text
    assert "2020年2月10日" not in answer.text


def test_list_answers_render_as_lists_with_their_markers(notice_assistant):
    from assistant.records import list_items
    from assistant.interfaces.ui.exports import answer_markdown
    from assistant.interfaces.ui.render import render_answer

    assistant, _text = notice_assistant
    answer = assistant.ask("稳岗返还有哪些措施？")
    html = render_answer(answer)
    assert '<ul class="answer-list">' in html and html.count("<li>") >= 3 + len(answer.citations)
    md = answer_markdown(answer)
    assert md.count("\n- ") >= 3 and "[3]" in md
    assert list_items("行政应诉案件17件[1]") == []  # a one-line answer stays text
    assert list_items("一是…[1]\n没有编号的一行") == []


def test_llm_prompt_asks_for_the_measure_itself_one_item_a_line():
    from assistant.answering.prompts import PromptBook, as_text

    text = as_text(PromptBook().answer_messages("稳岗返还有哪些措施？", ["对不裁员的企业返还失业保险费。"]))
    assert "措施或条件本身" in text and "每项一行" in text
    assert "稳岗返还有哪些措施？" in text



def test_grounding_keeps_each_supported_item_of_a_list(llm_assistant, llm):
    llm.enqueue("行政应诉案件17件[1]\n火星基地建设取得突破[1]\n行政机关负责人出庭应诉率100%[1]")
    answer = llm_assistant.ask("示范区行政应诉工作有哪些情况？")
    assert "火星" not in answer.text  # the unsupported item is dropped
    assert "17件" in answer.text and "100%" in answer.text  # each supported item is kept, with its citation
    assert len(answer.citations) == 2


def test_an_announced_list_goes_on_into_the_next_chunk(tmp_path):
    # the sentence announcing the requirements closes one chunk and its items open the next: the answer follows
    from dataclasses import replace

    from assistant.assistant import Assistant
    from assistant.config import Settings

    filler = "".join(f"各单位认真做好第{i}批物资的登记和发放工作，确保账目清楚。" for i in range(1, 9))
    text = (f"某市卫生健康委员会关于做好防控工作的通知\n{filler[:150]}局长张某对做好当前防控工作提出明确要求。\n"
            "一是严格落实属地责任，确保人员力量到位，各街道、社区要把网格化管理落到每一户。"
            "二是加强物资调配，做到应保尽保，口罩、消毒液等物资优先保障一线。三是及时报告疫情信息。\n"
            f"{filler}")
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    settings = replace(Settings(store_dir=str(tmp_path / "index"), embedding_model="fake",
                                model_cache_dir=str(tmp_path / "models")), chunk_max_chars=260)
    assistant = Assistant(settings)
    assert assistant.index([path]).ok
    chunks = assistant.retriever.lexical().all_chunks()
    assert any(c.text.rstrip().endswith("提出明确要求。") for c in chunks)  # the seam this test is about
    answer = assistant.ask("局长张某对防控工作提出了哪些要求？")
    assert not answer.refused
    assert "严格落实属地责任" in answer.text and "加强物资调配" in answer.text
    for c in answer.citations:  # each citation lies in one chunk and quotes the document verbatim
        assert text[c.start : c.end] == c.quote


def test_a_heading_after_the_departments_of_the_item_before_is_a_heading():
    text = "（省商务厅、省财政厅） 4.全力做好春耕备播。抓住春季关键时期，做好种子、化肥等物资准备。5.稳定生猪生产。"
    spans = select_spans(analyze("全力做好春耕备播要求是什么？"), _window(text, "4.全力做好春耕备播"))
    assert [e.text for e in spans] == ["抓住春季关键时期，做好种子、化肥等物资准备。"]


def test_echo_measures_the_question_wording_at_the_start_of_a_span():
    from assistant.answering.span_select import echo, question_stem

    text = "二、企业了解办事流程可登陆数字东城网站查询须知。三、鉴定结论将通过邮寄方式送达。"
    stem = question_stem("企业如何了解办事流程？")
    after_the_wording = _window(text, "登陆数字东城")
    elsewhere = _window(text, "鉴定结论")
    assert echo(stem, after_the_wording) > 0.8
    assert echo(stem, elsewhere) < 0.2  # the sentence before is not this span's wording


def test_every_candidate_feature_has_a_weight_and_the_fit_is_their_weighted_sum():
    from assistant.answering.span_select import FIT_WEIGHTS, candidate_features, candidate_fits

    text = "企业了解办事流程可登陆数字东城网站查询须知，也可拨打咨询电话。已出具的鉴定结论将通过邮寄方式送达本人。"
    q = analyze("企业如何了解办事流程？")
    windows = [_window(text, "登陆数字东城"), _window(text, "鉴定结论")]
    for w in windows:
        w.coverage = w.lead_coverage = 0.5
    feats = candidate_features(q, "measure", windows)
    assert feats and all(set(f) == set(FIT_WEIGHTS) for f, _ in feats)
    fits = candidate_fits(q, "measure", windows)
    for (f, _), (fit, _) in zip(feats, fits):
        assert fit == pytest.approx(sum(FIT_WEIGHTS[k] * v for k, v in f.items()))
    # all else equal, the span right after the question's own wording fits best
    best = max(fits, key=lambda c: c[0])[1]
    assert "登陆数字东城" in best[0].text


def test_a_value_after_a_colon_is_quoted_up_to_the_line_break_a_space_stands_for():
    # scraped notices keep line breaks as spaces: the colon's value ends there, even in a sentence over the cap
    rest = " ".join(f"（{n}）预约电话 第{n}税务分局预约电话" for n in "二三四五六七八九十") * 2
    text = f"（一）咨询电话 某某省纳税服务热线：12366 {rest}"
    assert len(text) > rules().fact_max_chars
    spans = select_spans(analyze("某某省纳税服务热线是什么？"), _window(text, "（一）咨询电话"))
    assert spans[-1].text.endswith("热线：12366")
    assert text[spans[0].start - 100 : spans[-1].end - 100].endswith("12366")


def test_a_passage_two_documents_hold_word_for_word_is_cited_in_both(fake_settings, tmp_path):
    from assistant.assistant import Assistant

    shared = "对受疫情影响的中小企业，减免三个月房租，并缓缴社会保险费，缓缴期不超过六个月。"
    texts = {
        "city.txt": f"某市关于支持中小企业的通知\n各区：\n{shared}\n某市人民政府\n2020年2月10日\n",
        "county.txt": f"某县转发市政府通知\n各乡镇：现将市政府通知转发如下。\n{shared}\n某县人民政府\n2020年2月12日\n",
        "other.txt": "某市关于春耕的通知\n各区：做好种子、化肥等物资准备，确保不误农时。\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assistant = Assistant(fake_settings)
    assert assistant.index(sorted(tmp_path.glob("*.txt"))).ok
    answer = assistant.ask("对受疫情影响的中小企业有哪些支持？")
    assert not answer.refused
    by_source = {c.source.rsplit("/", 1)[-1]: c for c in answer.citations}
    assert {"city.txt", "county.txt"} <= set(by_source) and "other.txt" not in by_source
    for name in ("city.txt", "county.txt"):  # each copy is a verbatim slice of its own document
        c = by_source[name]
        assert texts[name][c.start : c.end] == c.quote and "减免三个月房租" in c.quote
    assert answer.text.count(by_source["city.txt"].quote) == 1  # quoted once, with both markers
    assert "[1][2]" in answer.text


def test_copies_skip_short_quotes_and_the_quoted_document():
    from assistant.answering.copies import copies_of
    from assistant.types import Citation

    a = Chunk("a.txt", 0, 30, "按规定执行。对受疫情影响的企业减免三个月房租。")
    b = Chunk("b.txt", 0, 30, "按规定执行。对受疫情影响的企业减免三个月房租。")
    hits = [Hit(a, 1.0), Hit(a, 0.9), Hit(b, 0.8)]
    assert copies_of(Citation.of(a, 0, 5), hits) == []  # 按规定执行: too short to say it is the same passage
    long = copies_of(Citation.of(a, 6, 23), hits)
    assert [(c.source, c.quote) for c in long] == [("b.txt", "对受疫情影响的企业减免三个月房租。")]


@pytest.mark.parametrize("question, wanted, dropped", [
    ("贵州如何对重点区域和公共区域消毒？", (), ("贵州",)),  # a place names the notice's region, not what is asked
    ("通知中对于文件和开会提出了什么要求？", (), ("提出",)),  # a framing verb says the shape of the answer
    ("网络云平台何时开通？", ("平台", "开通"), ()),
])
def test_focus_terms_leave_out_places_and_framing_verbs(question, wanted, dropped):
    focus = focus_terms(analyze(question))
    assert all(t in focus for t in wanted)
    assert not any(t in focus for t in dropped)


@pytest.mark.parametrize("text, expected", [
    # a scraped notice keeps its line breaks as spaces: its header's document number and addressee line mid-text
    ("关于强化金融支持的通知 银发〔2020〕29号　新型冠状病毒感染的肺炎疫情发生以来", True),
    ("关于切实为基层减负的通知 各省、自治区、直辖市联防联控机制（领导小组、指挥部）： 做好防控工作", True),
    ("根据《通知》（工信明电〔2020〕14号）精神，制定如下措施的第一条", False),  # a document cited in the text
    ("会议要求，各地要加强管理：一是返还失业保险费", False),  # 各地要…： is a sentence, not an addressee line
])
def test_boilerplate_finds_a_header_inside_a_scraped_line(text, expected):
    assert is_boilerplate(text) is expected
