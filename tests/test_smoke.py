from tests.support import sign_in


def test_candidate_signs_in_and_sees_home(client, people):
    response = sign_in(client, people["emails"]["candidate_a"])
    assert response.status_code == 302
    home = client.get("/candidate/")
    assert home.status_code == 200
    assert "Hello, Alice" in home.get_data(as_text=True)
