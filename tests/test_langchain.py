from langchain_core.runnables import RunnableLambda

from assistant.retrieval.langchain import HybridRetriever


def test_retriever_runs_inside_an_lcel_chain(fake_assistant, sample_doc):
    retriever = HybridRetriever(retriever=fake_assistant.retriever, k=3)

    def cite(docs):
        return [f"{d.metadata['source']}:{d.metadata['start']}-{d.metadata['end']}" for d in docs]

    chain = retriever | RunnableLambda(cite)
    refs = chain.invoke("行政机关负责人出庭应诉率")
    assert len(refs) == 3
    docs = retriever.invoke("行政机关负责人出庭应诉率")
    top = docs[0]
    assert "出庭应诉率100%" in top.page_content
    assert sample_doc.text[top.metadata["start"] : top.metadata["end"]] == top.page_content
    assert top.metadata["section_path"] and top.metadata["score"] > 0
